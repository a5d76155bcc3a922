package org.streamiso.agent.bootstrap.socket;

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
import org.streamiso.agent.bootstrap.InstalledAgent;
import org.streamiso.agent.bootstrap.LeakReport;
import org.streamiso.agent.bootstrap.Legs;
import org.streamiso.agent.bootstrap.Log;
import org.streamiso.agent.bootstrap.NameTable;
import org.streamiso.agent.bootstrap.Router;

/**
 * The hooks of {@code org.streamiso.agent.instrument.socket}: every TCP connect, one method per choke point, each
 * named after the JDK method it guards.
 *
 * <p><b>Important:</b> loaded by the bootstrap class loader and called from inside {@code java.net} and
 * {@code sun.nio.ch}; signatures use {@code java.*} types only. Routing hooks return {@code true} (or a result)
 * when they made the connection themselves, through the SocksPort; the injected code then returns without running
 * the JDK's direct connect. Every failure is thrown: nothing falls back to a direct connect.
 *
 * <p><b>Important:</b> the agent's own connection to the SocksPort passes through these same methods and is
 * recognised by its endpoint, not by a thread flag.
 */
public final class SocketHooks {
    private SocketHooks() {
    }

    /**
     * {@code sun.nio.ch.NioSocketImpl#connect(SocketAddress,int)} (JDK 17 default, 18+) and
     * {@code java.net.AbstractPlainSocketImpl#connect(SocketAddress,int)} (JDK 17 with
     * {@code jdk.net.usePlainSocketImpl}): every {@code java.net.Socket}, hence HttpURLConnection,
     * SSLSocket and SocksSocketImpl's own hop. A socket without a connect timeout still gets the {@code timeout}
     * argument for reaching the SocksPort and its handshake.
     */
    public static boolean socketImplConnect(SocketImpl impl, SocketAddress remote, int millis) throws IOException {
        Router r = InstalledAgent.router();
        InetSocketAddress dns = r.dnsTcpRedirect(remote);
        InetSocketAddress target = dns != null ? null : r.routeOrNull(remote);
        if (target == null && dns == null) {
            return false;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("timeout: " + millis + " (expected: 0 or more)"); // as the JDK says
        }
        long deadline = deadline(millis > 0 ? TimeUnit.MILLISECONDS.toNanos(millis) : r.config().timeoutNanos());
        Legs.connect(r, impl, remote, target, dns, deadline);
        return true;
    }

    /**
     * {@code sun.nio.ch.SocketChannelImpl#connect(SocketAddress)} (JDK 17, 25): SocketChannel blocking
     * and non-blocking, on platform and virtual threads, and so java.net.http.HttpClient. The handshake runs
     * inside this call, non-blocking and bounded by the {@code timeout} argument (a blocking channel has no read
     * timeout of its own, so it is switched to non-blocking for the handshake and back); a non-blocking channel
     * returns connected.
     */
    public static int socketChannelConnect(SocketChannel channel, SocketAddress remote) throws IOException {
        if (channel.isConnected() || channel.isConnectionPending()) {
            return -1; // the JDK throws AlreadyConnectedException or ConnectionPendingException; nothing connects
        }
        Router r = InstalledAgent.router();
        InetSocketAddress dns = r.dnsTcpRedirect(remote);
        if (dns != null) {
            // A plain connect to the in-JVM DNS server, left to the JDK.
            return Legs.connectToDnsServer(r, channel, remote, dns) ? 1 : 0;
        }
        InetSocketAddress target = r.routeOrNull(remote);
        if (target == null) {
            return -1;
        }
        Legs.connect(r, channel, remote, target, deadline(r.config().timeoutNanos()));
        return 1;
    }

    /**
     * {@code sun.nio.ch.SocketAdaptor#connect(SocketAddress,int)} (JDK 17, 25): {@code SocketChannel.socket()}.
     * On 25 the adaptor rejects unresolved addresses before reaching the channel, so names are routed here.
     */
    public static boolean socketAdaptorConnect(Socket adaptor, SocketAddress remote, int timeout) throws IOException {
        if (adaptor.isConnected()) {
            return false; // the JDK throws "Already connected"; nothing connects
        }
        Router r = InstalledAgent.router();
        InetSocketAddress dns = r.dnsTcpRedirect(remote);
        InetSocketAddress target = dns != null ? null : r.routeOrNull(remote);
        if (target == null && dns == null) {
            return false;
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: 0 or more)"); // as the JDK says
        }
        long deadline = deadline(timeout > 0 ? TimeUnit.MILLISECONDS.toNanos(timeout) : r.config().timeoutNanos());
        Legs.connect(r, adaptor, remote, target, dns, deadline);
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
        Router r = InstalledAgent.router();
        IOException failure = null;
        try {
            InetSocketAddress dns = r.dnsTcpRedirect(remote);
            InetSocketAddress target = dns != null ? null : r.routeOrNull(remote);
            if (target == null && dns == null) {
                return null;
            }
            Legs.connect(r, channel, remote, target, dns, deadline(r.config().timeoutNanos()));
        } catch (IOException e) {
            failure = e;
            Legs.closeQuietly(channel);
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
        Router r = InstalledAgent.router();
        if (r.allowsDirect(remote, port)) {
            return;
        }
        String destination = Log.scrub(remote.getHostAddress()) + ":" + port;
        String message;
        if (NameTable.isPlaceholder(remote.getAddress())) {
            message = "streamiso refused a direct connection to " + destination + ", its placeholder address for a "
                    + "name (dns=mapped, or an onion name), through an API that cannot carry the name to Tor; nothing "
                    + "was sent. Connect with java.net.Socket or a SocketChannel instead.";
        } else {
            message = "streamiso refused a direct connection to " + destination + " that did not go through SocksPort "
                    + r.socksPort().text() + "; nothing was sent. An API streamiso does not route made it; add "
                    + "the destination to bypass= only if it must be reached directly.";
        }
        LeakReport.refused(LeakReport.Kind.CONNECT, "sun.nio.ch.Net#connect", message);
        throw new ConnectException(message);
    }

    /** The deadline, of {@link System#nanoTime()}, that is {@code nanos} from now. */
    private static long deadline(long nanos) {
        return System.nanoTime() + nanos;
    }
}
