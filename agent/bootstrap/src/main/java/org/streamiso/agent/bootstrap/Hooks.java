package org.streamiso.agent.bootstrap;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;

/**
 * The entry points that code injected into the JDK calls: one method per choke point, each named after
 * the JDK method it guards.
 *
 * <p><b>Important:</b> loaded by the bootstrap class loader and called from inside {@code java.net} and
 * {@code sun.nio.ch}; signatures use {@code java.*} types only. Routing hooks return {@code true} (or a
 * result) when they made the connection themselves, through the SocksPort; the injected code then returns
 * without running the JDK's direct connect. Every failure is thrown: nothing falls back to a direct connect.
 *
 * <p><b>Important:</b> the agent's own connection to the SocksPort passes through these same methods and
 * is recognised by its endpoint, not by a thread flag.
 */
public final class Hooks {
    /**
     * How long a non-blocking or asynchronous connect may wait for the SocksPort's reply: the handshake
     * runs inside {@code connect} (as torsocks does), so it needs a bound of its own. Tor gives up on a
     * stream after two minutes (its SocksTimeout), so a longer wait would never help.
     */
    static final long HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    private static volatile Router router;

    private Hooks() {
    }

    /** Installs the routing decisions; called once by premain, before any class is instrumented. */
    public static void install(AgentConfig config) {
        Log.configure(config.logLevel(), config.safeLogging());
        router = new Router(config);
    }

    /** The installed router; throws if premain did not finish, so that nothing connects unrouted. */
    public static Router router() {
        Router r = router;
        if (r == null) {
            throw new IllegalStateException("streamiso is not configured; refusing to connect");
        }
        return r;
    }

    /**
     * {@code sun.nio.ch.NioSocketImpl#connect(SocketAddress,int)} (JDK 17 default, 18+) and
     * {@code java.net.AbstractPlainSocketImpl#connect(SocketAddress,int)} (JDK 17 with
     * {@code jdk.net.usePlainSocketImpl}): every {@code java.net.Socket}, hence HttpURLConnection,
     * SSLSocket and SocksSocketImpl's own hop.
     */
    public static boolean socketImplConnect(SocketImpl impl, SocketAddress remote, int millis) throws IOException {
        Router r = router();
        InetSocketAddress target = r.routeOrNull(remote);
        if (target == null || millis < 0) {
            return false;
        }
        AgentConfig config = r.config();
        long deadline = deadline(millis > 0 ? TimeUnit.MILLISECONDS.toNanos(millis) : Long.MAX_VALUE);
        try {
            JdkAccess.connect(impl, config.socksPort(), millis);
        } catch (IOException e) {
            JdkAccess.closeQuietly(impl);
            throw SocksHandshake.proxyUnreachable(config, e);
        }
        Object previousTimeout = impl.getOption(java.net.SocketOptions.SO_TIMEOUT);
        try {
            impl.setOption(java.net.SocketOptions.SO_TIMEOUT, millisLeft(deadline));
            handshake(config, Transport.of(JdkAccess.inputStream(impl), JdkAccess.outputStream(impl)), target);
            impl.setOption(java.net.SocketOptions.SO_TIMEOUT, previousTimeout);
        } catch (IOException | RuntimeException e) {
            JdkAccess.closeQuietly(impl);
            throw e;
        }
        return true;
    }

    /**
     * {@code sun.nio.ch.SocketChannelImpl#connect(SocketAddress)} (JDK 17, 25): SocketChannel blocking
     * and non-blocking, on platform and virtual threads, and so java.net.http.HttpClient. A non-blocking
     * channel completes the handshake inside this call and returns connected.
     */
    public static boolean socketChannelConnect(SocketChannel channel, SocketAddress remote) throws IOException {
        Router r = router();
        InetSocketAddress target = r.routeOrNull(remote);
        if (target == null) {
            return false;
        }
        AgentConfig config = r.config();
        boolean blocking = channel.isBlocking();
        long deadline = blocking ? Long.MAX_VALUE : deadline(HANDSHAKE_TIMEOUT_NANOS);
        try {
            if (!channel.connect(config.socksPort())) {
                while (!channel.finishConnect()) {
                    JdkAccess.park(channel, JdkAccess.POLLOUT, Transport.remaining(deadline));
                }
            }
        } catch (IOException e) {
            closeQuietly(channel);
            throw SocksHandshake.proxyUnreachable(config, e);
        }
        try {
            handshake(config, Transport.of(channel, deadline), target);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
        return true;
    }

    /**
     * {@code sun.nio.ch.SocketAdaptor#connect(SocketAddress,int)} (JDK 17, 25): {@code SocketChannel.socket()}.
     * On 25 the adaptor rejects unresolved addresses before reaching the channel, so names are routed here.
     */
    public static boolean socketAdaptorConnect(Socket adaptor, SocketAddress remote, int timeout) throws IOException {
        Router r = router();
        InetSocketAddress target = r.routeOrNull(remote);
        if (target == null || timeout < 0) {
            return false;
        }
        AgentConfig config = r.config();
        long deadline = deadline(timeout > 0 ? TimeUnit.MILLISECONDS.toNanos(timeout) : Long.MAX_VALUE);
        try {
            adaptor.connect(config.socksPort(), timeout);
        } catch (IOException e) {
            closeQuietly(adaptor);
            throw SocksHandshake.proxyUnreachable(config, e);
        }
        try {
            int previousTimeout = adaptor.getSoTimeout();
            adaptor.setSoTimeout(millisLeft(deadline));
            handshake(config, Transport.of(adaptor.getInputStream(), adaptor.getOutputStream()), target);
            adaptor.setSoTimeout(previousTimeout);
        } catch (IOException | RuntimeException e) {
            closeQuietly(adaptor);
            throw e;
        }
        return true;
    }

    /**
     * {@code sun.nio.ch.UnixAsynchronousSocketChannelImpl#implConnect(SocketAddress,Object,CompletionHandler)}
     * (JDK 17, 25, Linux and macOS): AsynchronousSocketChannel. Returns null to let the JDK connect
     * (the SocksPort, the bypass), else the result of a connect made through the SocksPort, with the
     * handshake done before the future completes or the handler runs.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Future<Void> asyncChannelConnect(AsynchronousSocketChannel channel, SocketAddress remote,
            Object attachment, CompletionHandler handler) {
        Router r = router();
        InetSocketAddress target = r.routeOrNull(remote);
        if (target == null) {
            return null;
        }
        AgentConfig config = r.config();
        long deadline = deadline(HANDSHAKE_TIMEOUT_NANOS);
        IOException failure = null;
        try {
            Transport.await(channel.connect(config.socksPort()), deadline);
        } catch (IOException e) {
            failure = SocksHandshake.proxyUnreachable(config, e);
        }
        if (failure == null) {
            try {
                handshake(config, Transport.of(channel, deadline), target);
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            closeQuietly(channel);
        }
        if (handler == null) {
            return failure == null ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(failure);
        }
        if (failure == null) {
            handler.completed(null, attachment);
        } else {
            handler.failed(failure, attachment);
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * {@code sun.nio.ch.Net#connect(ProtocolFamily,FileDescriptor,InetAddress,int)} (JDK 17, 25), the last
     * Java frame of every NIO-based connect, and {@code java.net.AbstractPlainSocketImpl#doConnect} (JDK 17
     * legacy implementation): allows only the SocksPort and the bypass. Everything routable was re-aimed
     * above; reaching here with anything else means a path that was not routed, and it fails closed.
     */
    public static void checkDirectConnect(InetAddress remote, int port) throws IOException {
        Router r = router();
        if (r.allowsDirect(remote, port)) {
            return;
        }
        r.countRefused();
        String message = "streamiso refused a direct connection to " + Log.scrub(remote.getHostAddress()) + ":" + port
                + " that did not go through SocksPort " + r.config().socksPortText()
                + "; nothing was sent. An API streamiso does not route made it; add the destination to bypass= "
                + "only if it must be reached directly.";
        Log.warn(message + " Caller: " + caller());
        throw new ConnectException(message);
    }

    private static void handshake(AgentConfig config, Transport transport, InetSocketAddress target)
            throws IOException {
        Socks5CommandRequest request = SocksHandshake.connectRequest(target);
        Socks5CommandResponse reply;
        try {
            reply = SocksHandshake.connect(transport, request, config.credentials());
        } catch (IOException e) {
            throw SocksHandshake.handshakeFailed(config, e);
        }
        if (!reply.status().isSuccess()) {
            throw SocksHandshake.refused(config, request, reply);
        }
    }

    private static long deadline(long nanos) {
        return nanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + nanos;
    }

    private static int millisLeft(long deadline) throws IOException {
        if (deadline == Long.MAX_VALUE) {
            return 0;
        }
        long nanos = Transport.remaining(deadline);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos)));
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // The connection failed already; the caller throws the reason.
        }
    }

    /** The first frame outside the JDK and this agent: which application class made the connection. */
    private static String caller() {
        for (StackTraceElement e : new Throwable().getStackTrace()) {
            String c = e.getClassName();
            if (!c.startsWith("java.") && !c.startsWith("javax.") && !c.startsWith("sun.") && !c.startsWith("jdk.")
                    && !c.startsWith("org.streamiso.agent.")) {
                return c + "." + e.getMethodName();
            }
        }
        return "the JDK";
    }
}
