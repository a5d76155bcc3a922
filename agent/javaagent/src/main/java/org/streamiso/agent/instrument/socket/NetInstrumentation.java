package org.streamiso.agent.instrument.socket;

import java.util.List;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * The final guard: {@code sun.nio.ch.Net#connect(ProtocolFamily,FileDescriptor,InetAddress,int)} is the last
 * Java frame of every NIO-based connect on JDK 17 and 25 (Socket, SocketChannel, its adaptor,
 * AsynchronousSocketChannel, HttpClient, DatagramChannel). Only the SocksPort and the bypass pass it.
 */
public final class NetInstrumentation {
    private NetInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(new HookPoint("sun/nio/ch/Net", "connect",
                "(Ljava/net/ProtocolFamily;Ljava/io/FileDescriptor;Ljava/net/InetAddress;I)I",
                "checkDirectConnect", "(Ljava/net/InetAddress;I)V", new int[] {2, 3}, Kind.CALL));
    }
}
