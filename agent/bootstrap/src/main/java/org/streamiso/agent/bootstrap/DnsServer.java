package org.streamiso.agent.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.streamiso.dns.DnsMessages;
import org.streamiso.dns.DnsQuery;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;

/**
 * The DNS server inside the JVM ({@code dns-server=on}): a query that the application sends to port 53 of an address
 * outside the bypass, over UDP or TCP, never reaches the network; the agent answers it, through Tor, as it answers
 * {@code InetAddress} lookups. What Whonix does with Tor's DnsPort and a firewall redirect, done in-process.
 *
 * <p>How: for each nameserver the application asks, the agent opens a responder on 127.0.0.1 (a UDP socket and a
 * TCP listener, each on a port of its own) and re-aims the application's datagrams and connections at it:
 * {@code DatagramChannel.send} sends there, {@code DatagramChannel.connect} and a TCP connect connect there. The
 * answer is a real datagram (or TCP message) on loopback, so blocking receives, timeouts and selectors work as with
 * any server; the channel reports the nameserver as the sender and as its peer, since the responder's port stands for
 * exactly one nameserver. Nothing leaves the machine: both ends are sockets of this JVM.
 *
 * <p>A query sent on a blocking channel or socket is answered in the sending thread, before its send returns (it
 * would wait for the answer anyway); the responder's threads answer the rest: non-blocking channels (event loops are
 * never held up for Tor), a connected channel's {@code write}, TCP. Each query is answered with the isolation key of
 * the thread and scope that sent it (captured when it was sent, or when the channel was connected, for a connected
 * channel's {@code write}); A and AAAA through Tor's RESOLVE (a
 * placeholder under {@code dns=mapped}), PTR as a reverse lookup; every other question gets an error reply, never an
 * exception inside the agent. Answers carry the JDK's cache TTL ({@code networkaddress.cache.ttl}).
 */
public final class DnsServer {
    /** The nameservers one JVM may ask; past this a query is refused as UDP always was. */
    static final int MAX_NAMESERVERS = 64;
    static final int MAX_WORKERS = 16;
    static final int MAX_TCP_CONNECTIONS = 32;
    /** RFC 7766 section 6.2.3: a server closes an idle TCP connection after some seconds. */
    static final int TCP_IDLE_MILLIS = 10_000;
    private static final int MAX_PENDING = 4096;

    private final Router router;
    private final InetAddress loopback;
    private final ConcurrentHashMap<InetSocketAddress, Responder> responders = new ConcurrentHashMap<>();
    /** The nameserver each responder's UDP port stands for: the sender that a datagram from it reports. */
    private final ConcurrentHashMap<Integer, InetSocketAddress> nameserverByUdpPort = new ConcurrentHashMap<>();
    /** The TCP listeners' ports, apart: a UDP socket of the application may have the same port number. */
    private final Set<Integer> tcpPorts = ConcurrentHashMap.newKeySet();
    private final Set<DatagramChannel> own = ConcurrentHashMap.newKeySet();
    /** The origin of each query in flight: by the sender's local port and the query's ID. */
    private final ConcurrentHashMap<Long, Isolation.Origin> origins = new ConcurrentHashMap<>();
    /** The origin of each connected channel, by its local port: a connected channel's write passes no hook. */
    private final ConcurrentHashMap<Integer, Isolation.Origin> connectedOrigins = new ConcurrentHashMap<>();
    /** The origin of each TCP connection to a responder, by the application's local port. */
    private final ConcurrentHashMap<Integer, Isolation.Origin> tcpOrigins = new ConcurrentHashMap<>();
    private final AtomicInteger tcpConnections = new AtomicInteger();
    private volatile ThreadPoolExecutor workers;

    DnsServer(Router router) {
        this.router = router;
        try {
            this.loopback = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    /**
     * Whether a datagram to or a connection to {@code target} is a DNS query the server answers: port 53 of an address
     * outside the bypass.
     */
    public boolean answers(InetSocketAddress target) {
        if (target.getPort() != 53) {
            return false;
        }
        if (target.isUnresolved()) {
            return !router.config().bypass().matchesName(target.getHostString());
        }
        if (target.getAddress().isLoopbackAddress() && Bypass.LOOPBACK.equals(router.config().bypass().toString())) {
            // Under the default bypass a loopback nameserver is a stub resolver (systemd-resolved's 127.0.0.53)
            // that would forward the query outside Tor: answered here too. An explicit bypass= names it to skip this.
            return !router.isSocksPortAddress(target);
        }
        return !router.allowsDirect(target.getAddress(), 53);
    }

    /** Whether this is one of the server's own channels, whose datagrams go to the application's sockets. */
    public boolean isOwn(DatagramChannel channel) {
        return own.contains(channel);
    }

    /** Whether {@code address:port} is one of the responders, which the application's sockets may reach directly. */
    public boolean isResponder(InetAddress address, int port) {
        return address.isLoopbackAddress() && (nameserverByUdpPort.containsKey(port) || tcpPorts.contains(port))
                && isResponderAddress(address);
    }

    private boolean isResponderAddress(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 && b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] == 1;
    }

    /** The nameserver a responder's address stands for, or {@code address} itself: what a channel reports. */
    public InetSocketAddress reported(InetSocketAddress address) {
        if (address == null || nameserverByUdpPort.isEmpty() || address.isUnresolved()
                || !isResponderAddress(address.getAddress())) {
            return address;
        }
        InetSocketAddress nameserver = nameserverByUdpPort.get(address.getPort());
        return nameserver == null ? address : nameserver;
    }

    /**
     * Sends a datagram the application sends to {@code nameserver} to the nameserver's responder instead, or answers
     * it at once: a query on a blocking channel is answered in the sending thread (it would wait for the answer
     * anyway), and nothing is sent but the answer, without a hand-off to the responder's threads. Returns what
     * {@code DatagramChannel.send} returns.
     *
     * @param channel the application's channel, bound here if it is not yet (the JDK would bind it in the send)
     * @param query   the datagram; consumed as the JDK's send consumes it
     */
    public int send(DatagramChannel channel, ByteBuffer query, InetSocketAddress nameserver) throws IOException {
        int id = query.remaining() >= 2
                ? ((query.get(query.position()) & 0xff) << 8) | (query.get(query.position() + 1) & 0xff) : -1;
        int port = localPort(channel);
        Responder r = responder(nameserver);
        if (channel.isConnected() && !nameserver.equals(reported((InetSocketAddress) channel.getRemoteAddress()))) {
            return -1; // connected elsewhere: the JDK throws AlreadyConnectedException; nothing is sent
        }
        if (id >= 0 && channel.isBlocking() && !Thread.currentThread().isInterrupted()) {
            byte[] message = new byte[query.remaining()];
            query.duplicate().get(message);
            byte[] reply = answer(message, message.length, -1, Isolation.Origin.current());
            logAnswer(port, reply);
            if (reply != null) {
                r.udp.send(ByteBuffer.wrap(reply), new InetSocketAddress(replyAddress(channel), port));
            }
            query.position(query.limit());
            return message.length;
        }
        noteOrigin(port, id);
        // Through the hook again, which lets a responder through: the JDK's own send, blocking or not.
        return channel.send(query, r.udpAddress);
    }

    /**
     * The responder's UDP address for a query of ID {@code id} (-1: too short to have one) sent from a socket bound
     * to {@code localPort} (JDK 17's legacy datagram implementation), after noting its origin.
     */
    public InetSocketAddress sendTo(int localPort, int id, InetSocketAddress nameserver) throws IOException {
        Responder r = responder(nameserver);
        noteOrigin(localPort, id);
        return r.udpAddress;
    }

    private void noteOrigin(int localPort, int id) {
        if (id >= 0) {
            if (origins.size() >= MAX_PENDING) {
                origins.clear(); // queries whose datagram was lost; their answers get the unknown origin's key
            }
            origins.put(((long) localPort << 16) | id, Isolation.Origin.current());
        }
    }

    /** Where an answer reaches a channel: its own address, or loopback where it is bound to the wildcard. */
    private InetAddress replyAddress(DatagramChannel channel) throws IOException {
        InetAddress a = ((InetSocketAddress) channel.getLocalAddress()).getAddress();
        return a.isAnyLocalAddress() ? loopback : a;
    }

    /** The responder's UDP address for {@code DatagramChannel.connect(nameserver)}; the channel's writes carry its key. */
    public InetSocketAddress connectTo(DatagramChannel channel, InetSocketAddress nameserver) throws IOException {
        return connectTo(localPort(channel), nameserver);
    }

    /** As {@link #connectTo(DatagramChannel, InetSocketAddress)}, for a socket bound to {@code localPort}. */
    public InetSocketAddress connectTo(int localPort, InetSocketAddress nameserver) throws IOException {
        Responder r = responder(nameserver);
        connectedOrigins.put(localPort, Isolation.Origin.current());
        return r.udpAddress;
    }

    /** The responder's TCP address for a connection to {@code nameserver}. */
    InetSocketAddress tcpAddress(InetSocketAddress nameserver) throws IOException {
        return responder(nameserver).tcpAddress;
    }

    /** Notes the origin of a TCP connection the application made to a responder from {@code localPort}. */
    void tcpConnected(int localPort) {
        if (tcpOrigins.size() >= MAX_PENDING) {
            tcpOrigins.clear();
        }
        tcpOrigins.put(localPort, Isolation.Origin.current());
    }

    private static int localPort(DatagramChannel channel) throws IOException {
        SocketAddress local = channel.getLocalAddress();
        if (local == null) {
            channel.bind(null); // as the JDK binds an unbound channel at its first send or connect
            local = channel.getLocalAddress();
        }
        return ((InetSocketAddress) local).getPort();
    }

    private Responder responder(InetSocketAddress nameserver) throws IOException {
        Responder r = responders.get(nameserver);
        if (r != null) {
            return r;
        }
        synchronized (responders) {
            r = responders.get(nameserver);
            if (r == null) {
                if (responders.size() >= MAX_NAMESERVERS) {
                    throw new java.net.SocketException("streamiso's in-JVM DNS server refused a query to a "
                            + (MAX_NAMESERVERS + 1) + "th nameserver; nothing was sent. It answers queries to at "
                            + "most " + MAX_NAMESERVERS + " nameservers per JVM: configure fewer in the application.");
                }
                r = new Responder(nameserver);
                responders.put(nameserver, r);
            }
            return r;
        }
    }

    // ---- answering ---------------------------------------------------------------------------------

    /**
     * The reply to one message, or null where none is sent; never throws.
     *
     * @param limit the most bytes the reply may have, or -1 for UDP's limit for this query (512, or its EDNS size)
     */
    byte[] answer(byte[] message, int length, int limit, Isolation.Origin origin) {
        DnsQuery parsed;
        try {
            parsed = DnsMessages.parseQuery(message, 0, length);
        } catch (DnsMessages.NotAQuery e) {
            byte[] reply = e.reply();
            if (reply != null) {
                LeakReport.countDnsAnswer();
            }
            return reply;
        }
        LeakReport.countDnsAnswer();
        DnsQuery q = parsed;
        if (limit < 0) {
            limit = DnsMessages.udpLimit(q);
        }
        if (origin.isUnknown()) {
            // Whose key would it carry? Not a shared one: SERVFAIL, and a client asks again (with a known origin).
            Log.debug("in-JVM DNS server answered SERVFAIL to a query whose sender it did not see send it");
            return DnsMessages.error(q, DnsMessages.SERVFAIL, limit);
        }
        int max = limit;
        try {
            return Isolation.actingFor(origin, () -> answer(q, max));
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
            Log.warn("streamiso's in-JVM DNS server failed to answer a query (" + e + ") and answered SERVFAIL; this "
                    + "is a bug in streamiso, please report it.");
            return DnsMessages.error(q, DnsMessages.SERVFAIL, max);
        }
    }

    private byte[] answer(DnsQuery q, int limit) {
        if (q.hasEdns() && q.ednsVersion() != 0) {
            return DnsMessages.error(q, DnsMessages.BADVERS, limit);
        }
        if (q.qclass() != DnsMessages.CLASS_IN) {
            return DnsMessages.error(q, DnsMessages.NOTIMP, limit);
        }
        long ttl = ttl();
        try {
            switch (q.type()) {
                case DnsMessages.TYPE_A:
                case DnsMessages.TYPE_AAAA:
                    return DnsMessages.addresses(q, addresses(q.name(), q.type() == DnsMessages.TYPE_AAAA), ttl, limit);
                case DnsMessages.TYPE_PTR:
                    byte[] address = DnsMessages.reverseAddress(q.name());
                    if (address == null) {
                        return DnsMessages.error(q, DnsMessages.NXDOMAIN, limit);
                    }
                    return DnsMessages.pointer(q, Lookups.reverse(router, address), ttl, limit);
                default:
                    // MX, TXT, SRV, ANY, ...: Tor's RESOLVE answers addresses only.
                    return DnsMessages.error(q, DnsMessages.NOTIMP, limit);
            }
        } catch (TorAnswered e) {
            return DnsMessages.error(q, e.status.equals(Socks5CommandStatus.HOST_UNREACHABLE) ? DnsMessages.NXDOMAIN
                    : DnsMessages.SERVFAIL, limit);
        } catch (UnknownHostException e) {
            // No such name (a reverse lookup streamiso does not send, a placeholder that dropped out), or Tor was not
            // reachable: the cause tells which.
            return DnsMessages.error(q, e.getCause() == null ? DnsMessages.NXDOMAIN : DnsMessages.SERVFAIL, limit);
        }
    }

    /** The addresses of one family for a name, by the rules of every other lookup; empty where there are none. */
    private List<byte[]> addresses(String name, boolean v6) throws UnknownHostException {
        String host = Bypass.canonicalName(name);
        List<byte[]> out = new ArrayList<>(1);
        if (host.isEmpty()) {
            throw new UnknownHostException("the root has no address");
        }
        InetAddress[] found = Lookups.localAnswer(router, host, v6 ? Lookups.IPV6 : Lookups.IPV4);
        if (found == null && router.isBypassedName(host)) {
            found = InetAddress.getAllByName(host); // the machine's resolver, as bypass= allows; counted there
        }
        if (found == null) {
            if (Bypass.isOnion(host) || router.config().dns() == AgentConfig.Dns.MAPPED) {
                found = new InetAddress[] {router.names().placeholder(host, v6)};
            } else {
                Socks5CommandResponse reply = router.socksPort().reply(
                        Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, host, 0), host);
                if (!reply.status().isSuccess()) {
                    throw new TorAnswered(reply.status());
                }
                found = new InetAddress[] {Lookups.answerOf(router, host, reply)};
            }
        }
        for (InetAddress a : found) {
            if ((a instanceof Inet6Address) == v6) {
                out.add(a.getAddress());
            }
        }
        return out;
    }

    /** Tor answered a RESOLVE with a failure: host unreachable means no such name. Never leaves this class. */
    private static final class TorAnswered extends UnknownHostException {
        private static final long serialVersionUID = 1L;
        final transient Socks5CommandStatus status;

        TorAnswered(Socks5CommandStatus status) {
            super(status.toString());
            this.status = status;
        }
    }

    /**
     * The JDK's positive cache TTL in seconds: {@code networkaddress.cache.ttl}, else {@code sun.net.inetaddr.ttl},
     * else 30; "forever" (-1) as the longest TTL DNS has.
     */
    static long ttl() {
        String value = Security.getProperty("networkaddress.cache.ttl");
        if (value == null) {
            value = System.getProperty("sun.net.inetaddr.ttl");
        }
        long ttl = 30;
        if (value != null) {
            try {
                ttl = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                ttl = 30; // as the JDK does with a value it cannot read
            }
        }
        return ttl < 0 ? Integer.MAX_VALUE : ttl;
    }

    private static void logAnswer(int port, byte[] reply) {
        if (Log.isEnabled(Log.Level.DEBUG)) {
            Log.debug("in-JVM DNS server answered a query from 127.0.0.1:" + port + " with "
                    + (reply == null ? "no reply" : reply.length + " bytes"));
        }
    }

    private Isolation.Origin originOf(int port, byte[] message, int length) {
        if (length >= 2) {
            int id = ((message[0] & 0xff) << 8) | (message[1] & 0xff);
            Isolation.Origin o = origins.remove(((long) port << 16) | id);
            if (o != null) {
                return o;
            }
        }
        Isolation.Origin o = connectedOrigins.get(port);
        return o != null ? o : Isolation.Origin.unknown();
    }

    private ThreadPoolExecutor workers() {
        ThreadPoolExecutor w = workers;
        if (w == null) {
            synchronized (this) {
                w = workers;
                if (w == null) {
                    w = new ThreadPoolExecutor(0, MAX_WORKERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                            task -> thread(task, "streamiso-dns-worker"), new ThreadPoolExecutor.CallerRunsPolicy());
                    workers = w;
                }
            }
        }
        return w;
    }

    /** An agent thread: a daemon, and without the scope of the application thread that happened to start it. */
    private static Thread thread(Runnable task, String name) {
        Thread t = new Thread(null, task, name, 0, false);
        t.setDaemon(true);
        return t;
    }

    /** The responder of one nameserver: a UDP socket and a TCP listener on 127.0.0.1. */
    private final class Responder {
        final InetSocketAddress udpAddress;
        final InetSocketAddress tcpAddress;
        private final DatagramChannel udp;
        private final ServerSocketChannel tcp;

        Responder(InetSocketAddress nameserver) throws IOException {
            DatagramChannel u = null;
            ServerSocketChannel t = null;
            try {
                u = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
                u.bind(new InetSocketAddress(loopback, 0));
                t = ServerSocketChannel.open();
                t.bind(new InetSocketAddress(loopback, 0), 16);
                udpAddress = (InetSocketAddress) u.getLocalAddress();
                tcpAddress = (InetSocketAddress) t.getLocalAddress();
            } catch (IOException | RuntimeException e) {
                closeQuietly(u);
                closeQuietly(t);
                throw new java.net.SocketException("streamiso's in-JVM DNS server could not open its responder on "
                        + "127.0.0.1 (" + e + "); the query was not sent. Check that the loopback interface is up.");
            }
            udp = u;
            tcp = t;
            // Registered only once both sockets are open, so that a failure leaves nothing behind.
            own.add(u);
            nameserverByUdpPort.put(udpAddress.getPort(), nameserver);
            tcpPorts.add(tcpAddress.getPort());
            if (Log.isEnabled(Log.Level.INFO)) {
                Log.info("in-JVM DNS server: queries to nameserver " + Log.scrub(nameserver.getHostString())
                        + ":53 are answered through Tor by the responder on 127.0.0.1, UDP port " + udpAddress.getPort()
                        + ", TCP port " + tcpAddress.getPort() + "; nothing is sent to the nameserver");
            }
            thread(this::serveUdp, "streamiso-dns-udp").start();
            thread(this::serveTcp, "streamiso-dns-tcp").start();
        }

        private void closeQuietly(java.io.Closeable c) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // The open failed already; the caller throws the reason.
                }
            }
        }

        private void serveUdp() {
            ByteBuffer in = ByteBuffer.allocate(DnsMessages.TCP_LIMIT);
            while (udp.isOpen()) {
                in.clear();
                InetSocketAddress client;
                try {
                    client = (InetSocketAddress) udp.receive(in);
                } catch (IOException e) {
                    Log.warn("streamiso's in-JVM DNS server stopped answering UDP (" + e + "); queries to this "
                            + "nameserver now time out in the application. This is a bug in streamiso, please report it.");
                    return;
                }
                byte[] message = new byte[in.position()];
                in.flip().get(message);
                Isolation.Origin origin = originOf(client.getPort(), message, message.length);
                try {
                    workers().execute(() -> {
                        byte[] reply = answer(message, message.length, -1, origin);
                        logAnswer(client.getPort(), reply);
                        if (reply != null) {
                            try {
                                udp.send(ByteBuffer.wrap(reply), client);
                            } catch (IOException e) {
                                // The application closed its socket; nobody waits for the answer.
                            }
                        }
                    });
                } catch (RejectedExecutionException e) {
                    return; // the JVM is exiting
                }
            }
        }

        private void serveTcp() {
            while (tcp.isOpen()) {
                SocketChannel c;
                try {
                    c = tcp.accept();
                } catch (IOException e) {
                    return;
                }
                if (tcpConnections.incrementAndGet() > MAX_TCP_CONNECTIONS) {
                    tcpConnections.decrementAndGet();
                    Legs.closeQuietly(c);
                    continue;
                }
                try {
                    thread(() -> serveTcp(c), "streamiso-dns-tcp-connection").start();
                } catch (RuntimeException | OutOfMemoryError e) {
                    tcpConnections.decrementAndGet();
                    Legs.closeQuietly(c);
                }
            }
        }

        /** RFC 1035 section 4.2.2 and RFC 7766: two-byte length, then the message; answered in order. */
        private void serveTcp(SocketChannel c) {
            try (Socket s = c.socket()) {
                int clientPort = ((InetSocketAddress) c.getRemoteAddress()).getPort();
                Isolation.Origin origin = null;
                s.setSoTimeout(TCP_IDLE_MILLIS);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    int hi = in.read();
                    int lo = hi < 0 ? -1 : in.read();
                    if (lo < 0) {
                        return;
                    }
                    int length = (hi << 8) | lo;
                    byte[] message = in.readNBytes(length);
                    if (message.length < length) {
                        return;
                    }
                    if (origin == null) {
                        // Read after the first query: the application writes it only once its connect returned,
                        // and the connect hook notes the origin before it returns.
                        origin = tcpOrigins.remove(clientPort);
                        if (origin == null) {
                            origin = Isolation.Origin.unknown();
                        }
                    }
                    byte[] reply = answer(message, length, DnsMessages.TCP_LIMIT, origin);
                    if (reply == null) {
                        return;
                    }
                    byte[] framed = new byte[2 + reply.length];
                    framed[0] = (byte) (reply.length >> 8);
                    framed[1] = (byte) reply.length;
                    System.arraycopy(reply, 0, framed, 2, reply.length);
                    out.write(framed);
                    out.flush();
                }
            } catch (SocketTimeoutException e) {
                // Idle: closed, as RFC 7766 allows.
            } catch (IOException e) {
                // The client went away.
            } finally {
                tcpConnections.decrementAndGet();
            }
        }
    }
}
