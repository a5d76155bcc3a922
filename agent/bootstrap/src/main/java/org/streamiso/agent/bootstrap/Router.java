package org.streamiso.agent.bootstrap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides, for each outbound connection, whether it goes through the SocksPort, goes directly (the
 * SocksPort itself and the bypass), or is refused; and counts the decisions.
 */
public final class Router {
    private final AgentConfig config;
    private final AtomicLong routed = new AtomicLong();
    private final AtomicLong bypassed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Set<InetAddress> locallyResolved = ConcurrentHashMap.newKeySet();

    public Router(AgentConfig config) {
        this.config = config;
    }

    public AgentConfig config() {
        return config;
    }

    /**
     * Returns the destination to reach through the SocksPort, or null when the connection may proceed
     * as the application asked: it is the SocksPort itself, it is bypassed, or it is not an
     * {@code InetSocketAddress} (the JDK then rejects it itself).
     */
    public InetSocketAddress routeOrNull(SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress)) {
            return null;
        }
        InetSocketAddress isa = (InetSocketAddress) remote;
        if (isa.isUnresolved()) {
            if (config.bypass().matchesName(isa.getHostString())) {
                bypassed.incrementAndGet();
                return null;
            }
        } else {
            InetAddress address = isa.getAddress();
            if (isSocksPort(address, isa.getPort())) {
                return null;
            }
            if (isBypassed(address)) {
                bypassed.incrementAndGet();
                return null;
            }
        }
        routed.incrementAndGet();
        if (Log.isEnabled(Log.Level.DEBUG)) {
            Log.debug("routing a connection to " + Log.scrub(isa.getHostString()) + ":" + isa.getPort()
                    + " through SocksPort " + config.socksPortText());
        }
        return isa;
    }

    /** Whether a direct connection to this address and port is allowed: the SocksPort, or the bypass. */
    public boolean allowsDirect(InetAddress address, int port) {
        return isSocksPort(address, port) || isBypassed(address);
    }

    private boolean isSocksPort(InetAddress address, int port) {
        return port == config.socksPort().getPort() && address.equals(config.socksPort().getAddress());
    }

    /**
     * Only the address counts here, never the name an InetAddress carries: {@code getByAddress("localhost",
     * anyAddress)} would otherwise open a direct way out. Addresses of bypassed names count once the local
     * resolver returned them.
     */
    private boolean isBypassed(InetAddress address) {
        return config.bypass().matchesAddress(address) || locallyResolved.contains(address);
    }

    /** Records what the local resolver answered for a bypassed name, so that connecting there is direct. */
    void allowResolved(InetAddress[] addresses) {
        for (InetAddress a : addresses) {
            locallyResolved.add(a);
        }
    }

    void countRefused() {
        refused.incrementAndGet();
    }

    public long routedCount() {
        return routed.get();
    }

    public long bypassedCount() {
        return bypassed.get();
    }

    public long refusedCount() {
        return refused.get();
    }
}
