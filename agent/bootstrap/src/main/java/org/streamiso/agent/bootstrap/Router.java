package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides, for each outbound connection, whether it goes through the SocksPort (and under which name),
 * goes directly (the SocksPort itself and the bypass), or is refused; and counts the decisions.
 */
public final class Router {
    private final AgentConfig config;
    private final SocksPort socksPort;
    private final NameTable names;
    private final AtomicLong routed = new AtomicLong();
    private final AtomicLong bypassed = new AtomicLong();
    private final Set<InetAddress> locallyResolved = ConcurrentHashMap.newKeySet();
    private final Set<InetAddress> ownNameAnswers = ConcurrentHashMap.newKeySet();
    private volatile Set<InetAddress> interfaceAddresses;
    private volatile String ownHostName;
    private final DnsServer dnsServer;

    public Router(AgentConfig config, Isolation isolation) {
        this(config, isolation, new NameTable(NameTable.DEFAULT_CAPACITY));
    }

    Router(AgentConfig config, Isolation isolation, NameTable names) {
        this.config = config;
        this.socksPort = new SocksPort(config, isolation);
        this.names = names;
        this.dnsServer = config.dnsServer() ? new DnsServer(this) : null;
    }

    /** The in-JVM DNS server, or null under {@code dns-server=off}. */
    public DnsServer dnsServer() {
        return dnsServer;
    }

    /**
     * The in-JVM DNS server's TCP responder for a connection to port 53 outside the bypass, or null for any other
     * destination (and under {@code dns-server=off}).
     */
    public InetSocketAddress dnsTcpRedirect(SocketAddress remote) throws IOException {
        if (dnsServer == null || !(remote instanceof InetSocketAddress)) {
            return null;
        }
        InetSocketAddress isa = (InetSocketAddress) remote;
        return dnsServer.answers(isa) ? dnsServer.tcpAddress(isa) : null;
    }

    public AgentConfig config() {
        return config;
    }

    /** The SocksPort every routed connection and lookup goes to. */
    public SocksPort socksPort() {
        return socksPort;
    }

    NameTable names() {
        return names;
    }

    /**
     * Returns the destination to reach through the SocksPort, or null when the connection may proceed
     * as the application asked: it is the SocksPort itself, it is bypassed, or it is not an
     * {@code InetSocketAddress} (the JDK then rejects it itself).
     *
     * <p>An address the agent answered for a name (a placeholder, or Tor's answer under {@code dns=remote})
     * comes back as that name, unresolved, so that Tor gets the name and a bypass never applies to it: a name
     * Tor resolved to a local address still goes through Tor.
     *
     * @throws IOException for a placeholder that no longer stands for a name
     */
    public InetSocketAddress routeOrNull(SocketAddress remote) throws IOException {
        if (!(remote instanceof InetSocketAddress)) {
            return null;
        }
        InetSocketAddress isa = (InetSocketAddress) remote;
        if (isa.isUnresolved()) {
            String host = isa.getHostString();
            if (config.bypass().matchesName(host)) {
                bypassed.incrementAndGet();
                return null;
            }
            if (isOwnHostName(host)) {
                throw refused(host, isa.getPort(), "this machine's own name, which would tell the exit who is "
                        + "connecting; nothing was sent. Connect to 127.0.0.1, or add the name to bypass= to reach it "
                        + "directly.");
            }
            if (host.indexOf('%') >= 0) {
                throw refused(host, isa.getPort(), "an address with a zone (%interface), whose interface name may "
                        + "carry this machine's MAC address to the exit; nothing was sent. Give the address without "
                        + "the zone, or add it to bypass= if it is on the local network.");
            }
            byte[] literal = Socks5Address.parseLiteralIgnoringZone(Bypass.canonicalName(host));
            if (literal != null && isLinkLocal(literal)) {
                throw refusedLinkLocal(host, isa.getPort());
            }
            return routed(isa);
        }
        InetAddress address = isa.getAddress();
        if (isAgentEndpoint(address, isa.getPort())) {
            return null;
        }
        byte[] bytes = address.getAddress();
        if (NameTable.isPlaceholder(bytes)) {
            String name = names.nameOf(bytes);
            if (name == null) {
                throw stalePlaceholder(address, isa.getPort());
            }
            return routed(InetSocketAddress.createUnresolved(name, isa.getPort()));
        }
        String host = isa.getHostString();
        if (Socks5Address.parseLiteralIgnoringZone(host) == null && names.isRemoteAnswer(host, address)) {
            return routed(InetSocketAddress.createUnresolved(host, isa.getPort()));
        }
        if (isBypassed(address)) {
            bypassed.incrementAndGet();
            return null;
        }
        if (isLinkLocal(bytes)) {
            throw refusedLinkLocal(address.getHostAddress(), isa.getPort());
        }
        if (!address.isLoopbackAddress() && isMachineAddress(address)) {
            throw refused(address.getHostAddress(), isa.getPort(), "an address of this machine, which would tell the "
                    + "exit who is connecting; nothing was sent. Add it to bypass= to reach it directly.");
        }
        if (isLocalhost(host) || isOwnHostName(host)) {
            // The agent answered this name itself (LocalNames): the address may go to Tor, the name never does.
            return routed(new InetSocketAddress(InetAddress.getByAddress(bytes), isa.getPort()));
        }
        return routed(isa);
    }

    /**
     * Whether an address belongs to this machine: one the agent answered for the machine's own name, or one of its
     * network interfaces' (read once, at the first call). Such an address is never routed to Tor nor named to it in
     * a reverse lookup: the exit would learn who is connecting.
     */
    boolean isMachineAddress(InetAddress address) {
        if (ownNameAnswers.contains(address)) {
            return true;
        }
        Set<InetAddress> interfaces = interfaceAddresses;
        if (interfaces == null) {
            interfaces = ConcurrentHashMap.newKeySet();
            try {
                java.util.Enumeration<java.net.NetworkInterface> all = java.net.NetworkInterface.getNetworkInterfaces();
                while (all != null && all.hasMoreElements()) {
                    java.util.Enumeration<InetAddress> a = all.nextElement().getInetAddresses();
                    while (a.hasMoreElements()) {
                        interfaces.add(a.nextElement());
                    }
                }
            } catch (java.net.SocketException | RuntimeException e) {
                // No interface list: only the own-name answers count.
            }
            interfaceAddresses = interfaces;
        }
        return interfaces.contains(address); // InetAddress.equals ignores an IPv6 scope (JDK 17, 25)
    }

    /** Whether the agent answered this address for the machine's own name. */
    boolean isOwnNameAnswer(InetAddress address) {
        return ownNameAnswers.contains(address);
    }

    /** Records what the agent answered for the machine's own name. */
    void rememberOwnName(InetAddress[] addresses) {
        for (InetAddress a : addresses) {
            ownNameAnswers.add(a);
        }
    }

    /**
     * What a connection routed to {@code remote} reports as its peer ({@code Socket.getInetAddress()},
     * {@code SocketChannel.getRemoteAddress()}): the destination the application asked for, as the JDK's own
     * SOCKS support does, never the SocksPort. A resolved address stays as it is; a name given unresolved is
     * reported as its placeholder, an address that keeps the name (so {@code getHostName()} needs no lookup and
     * SSLSocket sends the name as SNI), and a connect to it goes to Tor by that name again.
     */
    public InetSocketAddress reportedPeer(SocketAddress remote) throws java.net.UnknownHostException {
        InetSocketAddress isa = (InetSocketAddress) remote;
        if (!isa.isUnresolved()) {
            return isa;
        }
        String host = isa.getHostString();
        byte[] literal = Socks5Address.parseLiteralIgnoringZone(host);
        InetAddress address = literal != null ? InetAddress.getByAddress(literal) : names.placeholder(host, false);
        return new InetSocketAddress(address, isa.getPort());
    }

    /** IPv4 169.254.0.0/16 and IPv6 fe80::/10 (also IPv4-mapped): meaningful only on this machine's own link. */
    static boolean isLinkLocal(byte[] a) {
        if (a.length == 16 && Bypass.isV4Mapped(a)) {
            return (a[12] & 0xFF) == 169 && (a[13] & 0xFF) == 254;
        }
        return a.length == 4 ? (a[0] & 0xFF) == 169 && (a[1] & 0xFF) == 254
                : (a[0] & 0xFF) == 0xFE && (a[1] & 0xC0) == 0x80;
    }

    private IOException refusedLinkLocal(String address, int port) {
        return refused(address, port, "a link-local address, which means nothing beyond this machine's own network "
                + "link (through Tor it would reach the exit's link, if anything); nothing was sent. Add it to bypass= "
                + "if it must be reached on the local link.");
    }

    private IOException refused(String destination, int port, String why) {
        String message = "streamiso refused a connection to " + Log.scrub(destination) + ":" + port + ", " + why;
        LeakReport.refused(LeakReport.Kind.CONNECT, "connect", message);
        return new ConnectException(message);
    }

    private InetSocketAddress routed(InetSocketAddress target) {
        routed.incrementAndGet();
        if (Log.isEnabled(Log.Level.DEBUG)) {
            Log.debug("routing a connection to " + Log.scrub(target.getHostString()) + ":" + target.getPort()
                    + " through SocksPort " + socksPort.text());
        }
        return target;
    }

    private IOException stalePlaceholder(InetAddress address, int port) {
        return new ConnectException("streamiso refused to connect to " + Log.scrub(address.getHostAddress()) + ":"
                + port + ", a placeholder address that no longer stands for a name (more than "
                + NameTable.DEFAULT_CAPACITY + " other names were looked up since); nothing was sent. Look the name "
                + "up again instead of keeping its address, or use dns=remote.");
    }

    /** Whether a direct connection to this address and port is allowed: the SocksPort, or the bypass. */
    public boolean allowsDirect(InetAddress address, int port) {
        return isAgentEndpoint(address, port) || isBypassed(address);
    }

    /** Whether a datagram may go to this address under the {@code udp} and {@code bypass} arguments. */
    public boolean allowsDatagram(InetAddress address) {
        switch (config.udp()) {
            case NONE:
                return false;
            case LOOPBACK:
                return address.isLoopbackAddress() || isBypassed(address);
            default:
                return isBypassed(address);
        }
    }

    /** Whether {@code address} is the SocksPort itself (a loopback one, on port 53, is never a nameserver). */
    boolean isSocksPortAddress(InetSocketAddress address) {
        return address.getPort() == config.socksPort().getPort()
                && address.getAddress().equals(config.socksPort().getAddress());
    }

    /** The SocksPort, or a responder of the in-JVM DNS server: the agent's own endpoints, always reached directly. */
    private boolean isAgentEndpoint(InetAddress address, int port) {
        return port == config.socksPort().getPort() && address.equals(config.socksPort().getAddress())
                || dnsServer != null && dnsServer.isResponder(address, port);
    }

    /**
     * Only the address counts here, never the name an InetAddress carries: {@code getByAddress("localhost",
     * anyAddress)} would otherwise open a direct way out. Addresses of bypassed names count once the local
     * resolver returned them. A placeholder is never bypassed.
     */
    private boolean isBypassed(InetAddress address) {
        return (config.bypass().matchesAddress(address) || locallyResolved.contains(address))
                && !NameTable.isPlaceholder(address.getAddress());
    }

    /**
     * Records what the machine's resolver answered for a name in {@code bypass=}, so that connecting there is
     * direct. <b>Important:</b> only for names the user bypassed: what the agent answers for {@code localhost} or
     * the machine's own name is not bypassed by that (under {@code bypass=none} a connect to 127.0.0.1 still goes
     * through Tor).
     */
    void allowResolved(InetAddress[] addresses) {
        for (InetAddress a : addresses) {
            locallyResolved.add(a);
        }
    }

    /** Whether a name is in {@code bypass=}, so the machine's resolver may look it up; never an onion name. */
    boolean isBypassedName(String host) {
        return !Bypass.isOnion(host) && config.bypass().matchesName(host);
    }

    /** {@code localhost} in any case, with or without the root dot; the agent answers it with loopback itself. */
    static boolean isLocalhost(String host) {
        return Bypass.canonicalName(host).equals("localhost");
    }

    /**
     * The address of an IP literal written with the root dot ({@code 127.0.0.1.}), which the JDK does not take as
     * a literal and glibc would send to the DNS server; null for anything else.
     */
    static byte[] dottedLiteral(String host) {
        return host.endsWith(".") ? Socks5Address.parseLiteralIgnoringZone(Bypass.canonicalName(host)) : null;
    }

    /** Whether this is the machine's own host name (as {@code InetAddress.getLocalHost()} looks it up). */
    boolean isOwnHostName(String host) {
        return Bypass.canonicalName(host).equals(ownHostName());
    }

    /** The machine's own host name, lowercase (InetAddress's own {@code getLocalHostName}). */
    String ownHostName() {
        String name = ownHostName;
        if (name == null) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(InetAddress.class, MethodHandles.lookup());
                Class<?> implType = Class.forName("java.net.InetAddressImpl", false, null);
                Object impl = lookup.findStaticVarHandle(InetAddress.class, "impl", implType).get();
                Method m = implType.getDeclaredMethod("getLocalHostName");
                m.setAccessible(true);
                name = ((String) m.invoke(impl)).toLowerCase(Locale.ROOT);
            } catch (ReflectiveOperationException | RuntimeException e) {
                name = "localhost";
            }
            ownHostName = name;
        }
        return name;
    }

    public long routedCount() {
        return routed.get();
    }

    public long bypassedCount() {
        return bypassed.get();
    }
}
