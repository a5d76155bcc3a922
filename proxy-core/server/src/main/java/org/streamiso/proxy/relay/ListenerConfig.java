package org.streamiso.proxy.relay;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One listening port of proxy-core: where it listens, its isolation policy and, optionally, the password that its
 * clients must send (RFC 1929); with a password, the username a client sends is its isolation key.
 *
 * @param address   the address to bind; port 0 picks a free port (tests)
 * @param isolation the isolation policy of every stream accepted here
 * @param password  null, or the password every client must send
 */
public record ListenerConfig(InetSocketAddress address, IsolationPolicy isolation, String password) {
    public ListenerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(isolation, "isolation");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("address: \"" + address.getHostString()
                    + "\" (expected: an IP address literal; proxy-core never resolves names)");
        }
        if (password != null && (password.isEmpty() || password.length() > 255)) {
            throw new IllegalArgumentException("password: " + password.length()
                    + " characters (expected: 1-255 ISO-8859-1 characters)");
        }
    }

    /** A loopback-or-not listener with the Whonix preset of its port and no password. */
    public static ListenerConfig of(InetSocketAddress address) {
        return new ListenerConfig(address, IsolationPolicy.presetFor(address.getPort()), null);
    }

    public boolean requiresPassword() {
        return password != null;
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "ListenerConfig[address=" + address + ", isolation=" + isolation + ", password="
                + (password == null ? "none" : "[set]") + "]";
    }
}
