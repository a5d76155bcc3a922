package org.streamiso.agent.instrument.socket;

import java.util.List;
import org.streamiso.agent.bootstrap.socket.SocketHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * The final guard: {@code sun.nio.ch.Net#connect(ProtocolFamily,FileDescriptor,InetAddress,int)} is the last
 * Java frame of every NIO-based connect on JDK 17 and 25 (Socket, SocketChannel, its adaptor,
 * AsynchronousSocketChannel, HttpClient, DatagramChannel). Only the SocksPort and the bypass pass it.
 */
public final class NetInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = SocketHooks.class;
    private NetInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(new HookPoint("sun/nio/ch/Net", "connect",
                "(Ljava/net/ProtocolFamily;Ljava/io/FileDescriptor;Ljava/net/InetAddress;I)I",
                HOOKS, "checkDirectConnect", "(Ljava/net/InetAddress;I)V", new int[] {2, 3}, Kind.CALL));
    }
}
