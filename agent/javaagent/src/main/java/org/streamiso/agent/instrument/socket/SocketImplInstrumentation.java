package org.streamiso.agent.instrument.socket;

import java.util.List;
import org.streamiso.agent.bootstrap.socket.SocketHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * {@code java.net.Socket} and everything built on it (HttpURLConnection, URL.openStream, SSLSocket,
 * SocksSocketImpl's own hop to a proxy the application chose): routed where the platform SocketImpl
 * connects, so a {@code Proxy.NO_PROXY} socket or a SocketImplFactory's impl that wraps a JDK socket
 * cannot go around.
 */
public final class SocketImplInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = SocketHooks.class;
    private static final String CONNECT_HOOK = "(Ljava/net/SocketImpl;Ljava/net/SocketAddress;I)Z";

    private SocketImplInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 (default implementation) and 18+: the other connect overloads delegate here.
                new HookPoint("sun/nio/ch/NioSocketImpl", "connect", "(Ljava/net/SocketAddress;I)V",
                        HOOKS, "socketImplConnect", CONNECT_HOOK, new int[] {0, 1, 2}, Kind.SKIP_IF_TRUE),
                // JDK 17 with -Djdk.net.usePlainSocketImpl (removed in 18): its native connect skips sun.nio.ch.Net.
                new HookPoint("java/net/AbstractPlainSocketImpl", "connect", "(Ljava/net/SocketAddress;I)V",
                        HOOKS, "socketImplConnect", CONNECT_HOOK, new int[] {0, 1, 2}, Kind.SKIP_IF_TRUE),
                // JDK 17 legacy implementation, last Java frame before its native connect: the final guard.
                new HookPoint("java/net/AbstractPlainSocketImpl", "doConnect", "(Ljava/net/InetAddress;II)V",
                        HOOKS, "checkDirectConnect", "(Ljava/net/InetAddress;I)V", new int[] {1, 2}, Kind.CALL));
    }
}
