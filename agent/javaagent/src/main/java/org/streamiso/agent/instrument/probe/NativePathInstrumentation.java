package org.streamiso.agent.instrument.probe;

import java.util.List;
import org.streamiso.agent.bootstrap.nativepath.NativePathHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * Paths that leave from native code, past every socket hook: {@code InetAddress.isReachable} (an ICMP echo
 * or a TCP connect to port 7, made in C), SCTP channels (their connect and send are native, past
 * {@code sun.nio.ch.Net}), and the loading of Netty's native transports, which connect and send from their
 * own C code.
 */
public final class NativePathInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = NativePathHooks.class;
    private static final String LOAD_HOOK = "(Ljava/lang/String;)V";

    private NativePathInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 and 25: the other isReachable overload delegates here.
                new HookPoint("java/net/InetAddress", "isReachable", "(Ljava/net/NetworkInterface;II)Z",
                        HOOKS, "reachabilityProbe", "(Ljava/net/InetAddress;)V", new int[] {0}, Kind.CALL),
                // JDK 17 and 25: System.load and Runtime.load.
                new HookPoint("java/lang/Runtime", "load0", "(Ljava/lang/Class;Ljava/lang/String;)V",
                        HOOKS, "nativeLibrary", LOAD_HOOK, new int[] {2}, Kind.CALL),
                // JDK 17 and 25 (module jdk.sctp): every SctpChannel, SctpMultiChannel and SctpServerChannel.
                new HookPoint("sun/nio/ch/sctp/SctpNet", "socket", "(Z)Ljava/io/FileDescriptor;",
                        HOOKS, "sctpSocket", "()V", new int[0], Kind.CALL),
                // JDK 17 and 25: System.loadLibrary and Runtime.loadLibrary.
                new HookPoint("java/lang/Runtime", "loadLibrary0", "(Ljava/lang/Class;Ljava/lang/String;)V",
                        HOOKS, "nativeLibrary", LOAD_HOOK, new int[] {2}, Kind.CALL));
    }
}
