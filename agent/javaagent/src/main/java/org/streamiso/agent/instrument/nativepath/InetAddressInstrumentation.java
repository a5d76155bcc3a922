package org.streamiso.agent.instrument.nativepath;

import java.util.List;
import org.streamiso.agent.bootstrap.nativepath.NativePathHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * {@code InetAddress.isReachable}: an ICMP echo or a TCP connect to port 7, made in C, past every socket hook. Only
 * bypassed addresses are probed.
 */
public final class InetAddressInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = NativePathHooks.class;

    private InetAddressInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 and 25: the other isReachable overload delegates here.
                new HookPoint("java/net/InetAddress", "isReachable", "(Ljava/net/NetworkInterface;II)Z",
                        HOOKS, "reachabilityProbe", "(Ljava/net/InetAddress;)V", new int[] {0}, Kind.CALL));
    }
}
