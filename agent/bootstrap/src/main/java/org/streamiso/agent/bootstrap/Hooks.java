package org.streamiso.agent.bootstrap;

import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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
    private static volatile Router router;
    private static volatile ChildProcesses children;

    private Hooks() {
    }

    /**
     * Installs the routing decisions; called once by premain, before any class is instrumented.
     *
     * @param firstParty the registrable domain of a host name, for {@code isolate=first-party}; called only then,
     *                   and first at a connection, never in premain
     */
    public static void install(AgentConfig config, java.util.function.UnaryOperator<String> firstParty) {
        Log.configure(config.logLevel(), config.safeLogging());
        Isolation isolation = new Isolation(config.app(), config.isolate(), config.linkSecret(), firstParty);
        router = new Router(config, isolation);
        children = new ChildProcesses(config.exec(), config.childArguments(), config.socksPort(), isolation, null,
                null);
    }

    /** Whether premain installed the agent already: a second copy of the agent in this JVM finds it so. */
    public static boolean isInstalled() {
        return router != null;
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
     * SSLSocket and SocksSocketImpl's own hop. A socket without a connect timeout still gets the {@code timeout}
     * argument for reaching the SocksPort and its handshake.
     */
    public static boolean socketImplConnect(SocketImpl impl, SocketAddress remote, int millis) throws IOException {
        Router r = router();
        InetSocketAddress dns = r.dnsTcpRedirect(remote);
        InetSocketAddress target = dns != null ? null : r.routeOrNull(remote);
        if (target == null && dns == null) {
            return false;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("timeout: " + millis + " (expected: 0 or more)"); // as the JDK says
        }
        SocksPort socks = r.socksPort();
        long deadline = deadline(millis > 0 ? TimeUnit.MILLISECONDS.toNanos(millis) : socks.timeoutNanos());
        Legs.Impl leg = new Legs.Impl(impl, r.reportedPeer(remote));
        if (dns != null) {
            Legs.connectDnsServer(leg, dns, deadline, r.dnsServer());
        } else {
            socks.connect(leg, target, deadline);
        }
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
        Router r = router();
        InetSocketAddress dns = r.dnsTcpRedirect(remote);
        if (dns != null) {
            // A plain connect to the in-JVM DNS server, left to the JDK: a non-blocking channel stays pending until
            // finishConnect, as its selector loop expects (dnsjava's TCP client needs that).
            if (channel.getLocalAddress() == null) {
                // Bound as the kernel would bind it for a loopback destination, so that the server learns whose
                // key the queries carry before a pending connect completes.
                channel.bind(new InetSocketAddress(dns.getAddress(), 0));
            }
            r.dnsServer().tcpConnected(((InetSocketAddress) channel.getLocalAddress()).getPort());
            boolean connected = channel.connect(dns);
            JdkAccess.reportPeer(channel, r.reportedPeer(remote));
            return connected ? 1 : 0;
        }
        InetSocketAddress target = r.routeOrNull(remote);
        if (target == null) {
            return -1;
        }
        SocksPort socks = r.socksPort();
        socks.connect(new Legs.Channel(channel, r.reportedPeer(remote)), target, deadline(socks.timeoutNanos()));
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
        Router r = router();
        InetSocketAddress dns = r.dnsTcpRedirect(remote);
        InetSocketAddress target = dns != null ? null : r.routeOrNull(remote);
        if (target == null && dns == null) {
            return false;
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: 0 or more)"); // as the JDK says
        }
        SocksPort socks = r.socksPort();
        long deadline = deadline(timeout > 0 ? TimeUnit.MILLISECONDS.toNanos(timeout) : socks.timeoutNanos());
        Legs.Adaptor leg = new Legs.Adaptor(adaptor, r.reportedPeer(remote));
        if (dns != null) {
            Legs.connectDnsServer(leg, dns, deadline, r.dnsServer());
        } else {
            socks.connect(leg, target, deadline);
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
        IOException failure = null;
        try {
            InetSocketAddress dns = r.dnsTcpRedirect(remote);
            InetSocketAddress target = dns != null ? null : r.routeOrNull(remote);
            if (target == null && dns == null) {
                return null;
            }
            SocksPort socks = r.socksPort();
            Legs.Async leg = new Legs.Async(channel, r.reportedPeer(remote));
            if (dns != null) {
                Legs.connectDnsServer(leg, dns, deadline(socks.timeoutNanos()), r.dnsServer());
            } else {
                socks.connect(leg, target, deadline(socks.timeoutNanos()));
            }
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
        Router r = router();
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

    /**
     * {@code sun.nio.ch.DatagramChannelImpl#send(ByteBuffer,SocketAddress)} (JDK 17, 25): DatagramChannel, and
     * DatagramSocket and MulticastSocket, whose adaptor sends through it; hence JNDI's DNS client. A DNS query to
     * port 53 outside the bypass goes to the in-JVM DNS server (the result of that send is returned); anything else
     * that the {@code udp} argument does not allow is refused; -1 lets the JDK send.
     */
    public static int datagramChannelSend(DatagramChannel channel, ByteBuffer src, SocketAddress target)
            throws IOException {
        DnsServer dns = router().dnsServer();
        if (dns != null && target instanceof InetSocketAddress && !((InetSocketAddress) target).isUnresolved()) {
            if (dns.isOwn(channel)) {
                if (((InetSocketAddress) target).getAddress().isLoopbackAddress()) {
                    return -1; // an answer, on its way to the application's socket on loopback
                }
                String message = "streamiso's in-JVM DNS server refused to send an answer to " + Log.scrub(
                        ((InetSocketAddress) target).getHostString()) + ", which is not a loopback address; nothing was "
                        + "sent. This is a bug in streamiso: please report it.";
                LeakReport.refused(LeakReport.Kind.DATAGRAM, "DatagramChannel.send", message);
                throw new SocketException(message);
            }
            if (dns.answers((InetSocketAddress) target)) {
                return dns.send(channel, src, (InetSocketAddress) target);
            }
        }
        checkDatagram(target, "DatagramChannel.send");
        return -1;
    }

    /**
     * {@code sun.nio.ch.DatagramChannelImpl#connect(SocketAddress,boolean)} (JDK 17, 25): a channel connected to a
     * nameserver outside the bypass is connected to the in-JVM DNS server's responder, and reports the nameserver.
     */
    public static SocketAddress datagramChannelConnect(DatagramChannel channel, SocketAddress target)
            throws IOException {
        DnsServer dns = router().dnsServer();
        if (dns != null && target instanceof InetSocketAddress && !((InetSocketAddress) target).isUnresolved()
                && dns.answers((InetSocketAddress) target)) {
            return dns.connectTo(channel, (InetSocketAddress) target);
        }
        checkDatagram(target, "DatagramChannel.connect");
        return target;
    }

    /**
     * The return value of {@code sun.nio.ch.DatagramChannelImpl#sourceSocketAddress()} (the sender of every
     * datagram received, JDK 17, 25) and {@code #remoteAddress()} (the socket adaptor's peer): a responder of the
     * in-JVM DNS server stands for the nameserver the application asked.
     */
    public static InetSocketAddress datagramPeer(InetSocketAddress address) {
        Router r = router;
        DnsServer dns = r == null ? null : r.dnsServer();
        return dns == null ? address : dns.reported(address);
    }

    /** The return value of {@code sun.nio.ch.DatagramChannelImpl#getRemoteAddress()}: as {@link #datagramPeer}. */
    public static SocketAddress datagramRemote(SocketAddress address) {
        return address instanceof InetSocketAddress ? datagramPeer((InetSocketAddress) address) : address;
    }

    /**
     * {@code java.net.AbstractPlainDatagramSocketImpl#send(DatagramPacket)} (JDK 17 legacy implementation): a DNS
     * query outside the bypass is sent to the in-JVM DNS server's responder instead (the application's packet is left
     * as it is); returns true when it was.
     */
    public static boolean datagramImplSend(DatagramSocketImpl impl, DatagramPacket packet) throws IOException {
        InetAddress address = packet.getAddress();
        if (address == null) {
            return false;
        }
        InetSocketAddress target = new InetSocketAddress(address, packet.getPort());
        DnsServer dns = router().dnsServer();
        if (dns != null && dns.answers(target)) {
            byte[] data = packet.getData();
            int at = packet.getOffset();
            int id = packet.getLength() >= 2 ? ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff) : -1;
            InetSocketAddress responder = dns.sendTo(JdkAccess.localPort(impl), id, target);
            JdkAccess.send0(impl, new DatagramPacket(data, at, packet.getLength(), responder));
            return true;
        }
        checkDatagram(target, "DatagramSocket.send");
        return false;
    }

    /**
     * {@code java.net.AbstractPlainDatagramSocketImpl#connect(InetAddress,int)} (JDK 17 legacy implementation): a
     * socket connected to a nameserver outside the bypass is connected to the in-JVM DNS server's responder (the
     * DatagramSocket still reports the nameserver); returns true when it was.
     */
    public static boolean datagramImplConnect(DatagramSocketImpl impl, InetAddress address, int port)
            throws IOException {
        if (address == null) {
            return false;
        }
        InetSocketAddress target = new InetSocketAddress(address, port);
        DnsServer dns = router().dnsServer();
        if (dns != null && dns.answers(target)) {
            InetSocketAddress responder = dns.connectTo(JdkAccess.localPort(impl), target);
            JdkAccess.connect(impl, responder.getAddress(), responder.getPort());
            return true;
        }
        checkDatagram(target, "DatagramSocket.connect");
        return false;
    }

    /**
     * At the return of {@code java.net.AbstractPlainDatagramSocketImpl#receive(DatagramPacket)} (JDK 17 legacy
     * implementation): an answer of the in-JVM DNS server comes from the nameserver the application asked.
     */
    public static void datagramImplReceived(DatagramPacket packet) {
        Router r = router;
        DnsServer dns = r == null ? null : r.dnsServer();
        if (dns != null && packet.getAddress() != null) {
            InetSocketAddress from = new InetSocketAddress(packet.getAddress(), packet.getPort());
            InetSocketAddress reported = dns.reported(from);
            if (reported != from) {
                packet.setSocketAddress(reported);
            }
        }
    }

    private static void checkDatagram(SocketAddress target, String api) throws IOException {
        if (!(target instanceof InetSocketAddress)) {
            return; // The JDK rejects it.
        }
        Router r = router();
        InetSocketAddress isa = (InetSocketAddress) target;
        if (isa.isUnresolved() ? r.config().bypass().matchesName(isa.getHostString())
                : r.allowsDatagram(isa.getAddress())
                || r.dnsServer() != null && r.dnsServer().isResponder(isa.getAddress(), isa.getPort())) {
            return;
        }
        String message = "streamiso refused a UDP datagram to " + Log.scrub(isa.getHostString()) + ":" + isa.getPort()
                + ": UDP cannot go through Tor, which carries only TCP; nothing was sent. Use TCP (names: "
                + "InetAddress lookups go through Tor), or udp=loopback or bypass= for a local destination."
                + (isa.getPort() == 53 && !r.config().dnsServer() ? " dns-server=on answers DNS queries inside the "
                + "JVM, through Tor." : "");
        LeakReport.refused(LeakReport.Kind.DATAGRAM, api, message);
        throw new SocketException(message);
    }

    /**
     * {@code sun.nio.ch.DatagramChannelImpl#innerJoin} (JDK 17, 25) and the JDK 17 legacy implementation's
     * {@code join}: joining a group makes the kernel announce this machine on the local network (IGMP/MLD).
     */
    public static void multicastJoin(InetAddress group) throws IOException {
        Router r = router();
        if (group == null || r.allowsDatagram(group)) {
            return;
        }
        String message = "streamiso refused to join multicast group " + Log.scrub(group.getHostAddress())
                + ": joining announces this machine on the local network, outside Tor; nothing was sent. Add the "
                + "group to bypass= if it must be joined.";
        LeakReport.refused(LeakReport.Kind.DATAGRAM, "MulticastSocket.joinGroup", message);
        throw new SocketException(message);
    }

    /** {@code java.net.AbstractPlainDatagramSocketImpl#joinGroup(SocketAddress,NetworkInterface)} (JDK 17 legacy). */
    public static void multicastJoinGroup(SocketAddress group) throws IOException {
        if (group instanceof InetSocketAddress) {
            multicastJoin(((InetSocketAddress) group).getAddress());
        }
    }

    /**
     * {@code java.net.InetAddress#isReachable(NetworkInterface,int,int)} (JDK 17, 25): an ICMP echo or a TCP
     * connect to port 7 from native code, past every other hook. Only bypassed addresses are probed.
     */
    public static void reachabilityProbe(InetAddress address) throws IOException {
        Router r = router();
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

    /**
     * {@code java.lang.ProcessImpl#start(String[],Map,String,Redirect[],boolean)} (JDK 17, 25, Linux), which
     * {@code ProcessBuilder.start} and so {@code Runtime.exec} call for every child process: starts the command that
     * the {@code exec} argument makes of it ({@link ChildProcesses}) and returns it, or returns null to let the JDK
     * start the command unchanged ({@code exec=allow}, and the rewritten command's own start). A refused start
     * throws and nothing runs.
     */
    public static Process processStart(String[] command, java.util.Map<String, String> environment, String dir,
            ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream) throws IOException {
        if (ChildProcesses.isStarting()) {
            return null;
        }
        router(); // throws if premain did not finish: nothing starts unwrapped
        ChildProcesses.Plan plan = children.plan(command, environment);
        if (plan == null) {
            return null;
        }
        return ChildProcesses.start(plan, environment, dir, redirects, redirectErrorStream);
    }

    /** The deadline, of {@link System#nanoTime()}, that is {@code nanos} from now. */
    private static long deadline(long nanos) {
        return System.nanoTime() + nanos;
    }
}
