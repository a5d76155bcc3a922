package org.streamiso.proxy.internal;

import org.streamiso.socks.Socks5Address;

/**
 * Prints destinations and isolation keys as {@code [scrubbed]} unless unsafe logging is on (Arti's safelog).
 *
 * <p>Upstream addresses (Tor's own SocksPort and ControlPort) are configuration, not secrets, and are printed as
 * they are.
 */
public final class Safelog {
    public static final String SCRUBBED = "[scrubbed]";

    private final boolean unsafe;

    public Safelog(boolean unsafe) {
        this.unsafe = unsafe;
    }

    public boolean isUnsafe() {
        return unsafe;
    }

    /** A destination, {@code host:port}, or {@code [scrubbed]}. */
    public String destination(String host, int port) {
        if (!unsafe) {
            return SCRUBBED;
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** A client's IP address: loopback addresses as they are (they say nothing of anyone), others scrubbed. */
    public String clientAddress(java.net.InetAddress address) {
        if (address == null) {
            return null;
        }
        return unsafe || address.isLoopbackAddress() ? address.getHostAddress() : SCRUBBED;
    }

    /** An isolation key or anything derived from one, or {@code [scrubbed]}. */
    public String key(String key) {
        return unsafe ? key : SCRUBBED;
    }
}
