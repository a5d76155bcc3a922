package org.streamiso.agent.instrument.socket;

import java.util.List;
import org.streamiso.agent.bootstrap.socket.SocketHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * {@code SocketChannel} blocking and non-blocking, on platform and virtual threads, and so
 * {@code java.net.http.HttpClient}, which connects a non-blocking SocketChannel; its socket adaptor
 * ({@code SocketChannel.socket().connect}); and {@code AsynchronousSocketChannel}.
 */
public final class SocketChannelInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = SocketHooks.class;
    private SocketChannelInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 and 25; the unresolved-address check is inside the body, after this hook.
                new HookPoint("sun/nio/ch/SocketChannelImpl", "connect", "(Ljava/net/SocketAddress;)Z",
                        HOOKS, "socketChannelConnect", "(Ljava/nio/channels/SocketChannel;Ljava/net/SocketAddress;)I",
                        new int[] {0, 1}, Kind.RETURN_IF_NOT_NEGATIVE),
                // JDK 17 and 25: reaches SocketChannelImpl#blockingConnect, not #connect; on 25 it rejects
                // unresolved addresses itself, so names must be routed here.
                new HookPoint("sun/nio/ch/SocketAdaptor", "connect", "(Ljava/net/SocketAddress;I)V",
                        HOOKS, "socketAdaptorConnect", "(Ljava/net/Socket;Ljava/net/SocketAddress;I)Z",
                        new int[] {0, 1, 2}, Kind.SKIP_IF_TRUE),
                // JDK 17 and 25 on Linux and macOS: both connect overloads of AsynchronousSocketChannel.
                new HookPoint("sun/nio/ch/UnixAsynchronousSocketChannelImpl", "implConnect",
                        "(Ljava/net/SocketAddress;Ljava/lang/Object;Ljava/nio/channels/CompletionHandler;)"
                                + "Ljava/util/concurrent/Future;",
                        HOOKS, "asyncChannelConnect", "(Ljava/nio/channels/AsynchronousSocketChannel;"
                                + "Ljava/net/SocketAddress;Ljava/lang/Object;Ljava/nio/channels/CompletionHandler;)"
                                + "Ljava/util/concurrent/Future;",
                        new int[] {0, 1, 2, 3}, Kind.RETURN_IF_NONNULL));
    }
}
