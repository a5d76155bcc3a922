package org.streamiso.agent.bootstrap.nativepath;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketException;
import org.streamiso.agent.bootstrap.InstalledAgent;
import org.streamiso.agent.bootstrap.LeakReport;
import org.streamiso.agent.bootstrap.Log;
import org.streamiso.agent.bootstrap.Router;

/**
 * The hooks of {@code org.streamiso.agent.instrument.nativepath}: paths that leave from native code, past every
 * socket hook ({@code InetAddress.isReachable}, SCTP channels, Netty's native transports). Each refuses before the
 * native code runs.
 *
 * <p><b>Important:</b> loaded by the bootstrap class loader and called from inside {@code java.net},
 * {@code java.lang} and {@code sun.nio.ch.sctp}; signatures use {@code java.*} types only.
 */
public final class NativePathHooks {
    private NativePathHooks() {
    }

    /**
     * {@code java.net.InetAddress#isReachable(NetworkInterface,int,int)} (JDK 17, 25): an ICMP echo or a TCP
     * connect to port 7 from native code, past every other hook. Only bypassed addresses are probed.
     */
    public static void reachabilityProbe(InetAddress address) throws IOException {
        Router r = InstalledAgent.router();
        if (r.allowsDirect(address, -1)) {
            return;
        }
        String message = "streamiso refused to probe whether " + Log.scrub(address.getHostAddress())
                + " is reachable: the probe (ICMP echo or TCP port 7) would leave outside Tor; nothing was sent. Try "
                + "the connection itself instead, which goes through Tor.";
        LeakReport.refused(LeakReport.Kind.PROBE, "InetAddress.isReachable", message);
        throw new IOException(message);
    }

    /**
     * {@code sun.nio.ch.sctp.SctpNet#socket(boolean)} (JDK 17, 25): the socket of every SCTP channel. Tor carries
     * only TCP, and SCTP's connect and send run in native code past {@code sun.nio.ch.Net}, so none is opened.
     */
    public static void sctpSocket() throws IOException {
        String message = "streamiso refused to open an SCTP socket: SCTP cannot go through Tor, which carries only "
                + "TCP; nothing was sent. Use TCP.";
        LeakReport.refused(LeakReport.Kind.CONNECT, "SctpChannel.open", message);
        throw new SocketException(message);
    }

    /**
     * {@code java.lang.Runtime#load0} and {@code #loadLibrary0} (JDK 17, 25): {@code System.load} and
     * {@code System.loadLibrary}. Netty's native transports (epoll, kqueue, io_uring, also in shaded copies such
     * as grpc-netty-shaded, whose library names keep {@code netty_transport_native_}) connect and send from
     * their own C code, where no hook sees them. Refusing the library makes Netty report the transport
     * unavailable, and code that checks {@code Epoll.isAvailable()} falls back to NIO, which is routed.
     */
    public static void nativeLibrary(String nameOrPath) {
        if (nameOrPath == null) {
            return;
        }
        String base = nameOrPath.substring(nameOrPath.lastIndexOf('/') + 1);
        if (!base.contains("netty_transport_native_")) {
            return;
        }
        String message = "streamiso refused to load " + base + ": Netty's native transports connect from C code "
                + "that streamiso cannot route through Tor, so Netty falls back to NIO, which streamiso routes. Use "
                + "NioEventLoopGroup and NioSocketChannel where the code insists on epoll, kqueue or io_uring.";
        LeakReport.refused(LeakReport.Kind.NATIVE_TRANSPORT, "System.load", message);
        throw new UnsatisfiedLinkError(message);
    }
}
