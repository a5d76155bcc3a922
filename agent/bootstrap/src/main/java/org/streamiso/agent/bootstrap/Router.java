package org.streamiso.agent.bootstrap;

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
    private final NameTable names;
    private final AtomicLong routed = new AtomicLong();
    private final AtomicLong bypassed = new AtomicLong();
    private final Set<InetAddress> locallyResolved = ConcurrentHashMap.newKeySet();
    private volatile String ownHostName;

    public Router(AgentConfig config) {
        this(config, new NameTable(NameTable.DEFAULT_CAPACITY));
    }

    Router(AgentConfig config, NameTable names) {
        this.config = config;
        this.names = names;
    }

    public AgentConfig config() {
        return config;
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
            if (config.bypass().matchesName(isa.getHostString())) {
                bypassed.incrementAndGet();
                return null;
            }
            return routed(isa);
        }
        InetAddress address = isa.getAddress();
        if (isSocksPort(address, isa.getPort())) {
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
        if (Bypass.literal(host) == null && names.isRemoteAnswer(host, address)) {
            return routed(InetSocketAddress.createUnresolved(host, isa.getPort()));
        }
        if (isBypassed(address)) {
            bypassed.incrementAndGet();
            return null;
        }
        return routed(isa);
    }

    private InetSocketAddress routed(InetSocketAddress target) {
        routed.incrementAndGet();
        if (Log.isEnabled(Log.Level.DEBUG)) {
            Log.debug("routing a connection to " + Log.scrub(target.getHostString()) + ":" + target.getPort()
                    + " through SocksPort " + config.socksPortText());
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
        return isSocksPort(address, port) || isBypassed(address);
    }

    /** Whether a datagram may go to this address under the {@code udp} and {@code bypass} arguments. */
    boolean allowsDatagram(InetAddress address) {
        switch (config.udp()) {
            case NONE:
                return false;
            case LOOPBACK:
                return address.isLoopbackAddress() || isBypassed(address);
            default:
                return isBypassed(address);
        }
    }

    private boolean isSocksPort(InetAddress address, int port) {
        return port == config.socksPort().getPort() && address.equals(config.socksPort().getAddress());
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

    /** Records what the local resolver answered for a bypassed name, so that connecting there is direct. */
    void allowResolved(InetAddress[] addresses) {
        for (InetAddress a : addresses) {
            locallyResolved.add(a);
        }
    }

    /**
     * Whether the machine's resolver may look this name up: {@code localhost}, the machine's own name and
     * bypassed names; never an onion name.
     */
    boolean isLocalName(String host) {
        if (Bypass.isOnion(host)) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.equals("localhost") || config.bypass().matchesName(h) || h.equals(ownHostName());
    }

    private String ownHostName() {
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
