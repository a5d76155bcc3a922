package org.streamiso.proxy.relay;

import java.util.Locale;

/**
 * Which parts of a stream, besides the client's own key, decide the circuits it may share: the per-port presets of
 * Whonix's SocksPorts 9159, 9169, 9179 and 9189, which map to Tor's SocksPort flags.
 *
 * <p>Every policy keeps streams of different client keys (their RFC 1929 username/password) and of different
 * listening ports on different circuits, as Tor's IsolateSOCKSAuth and separate SocksPorts do.
 *
 * @see <a href="https://2019.www.torproject.org/docs/tor-manual.html.en#SocksPort">tor(1), SocksPort isolation flags</a>
 */
public enum IsolationPolicy {
    /** The client's key only (Whonix 9159; Tor's IsolateSOCKSAuth). */
    CLIENT("client", false, false, 9159),
    /** Plus the destination address (Whonix 9169; Tor's IsolateDestAddr). */
    DEST_ADDR("dest-addr", true, false, 9169),
    /** Plus the destination port (Whonix 9179; Tor's IsolateDestPort). */
    DEST_PORT("dest-port", false, true, 9179),
    /** Plus both (Whonix 9189; Tor's IsolateDestAddr IsolateDestPort). */
    DEST_ADDR_PORT("dest-addr-port", true, true, 9189);

    private final String optionName;
    private final boolean destAddr;
    private final boolean destPort;
    private final int whonixPort;

    IsolationPolicy(String optionName, boolean destAddr, boolean destPort, int whonixPort) {
        this.optionName = optionName;
        this.destAddr = destAddr;
        this.destPort = destPort;
        this.whonixPort = whonixPort;
    }

    /** The preset for a listening port: Whonix's policy for 9169, 9179 and 9189, else {@link #CLIENT}. */
    public static IsolationPolicy presetFor(int port) {
        for (IsolationPolicy policy : values()) {
            if (policy.whonixPort == port) {
                return policy;
            }
        }
        return CLIENT;
    }

    /** Parses the name used on the command line ({@code client}, {@code dest-addr}, ...). */
    public static IsolationPolicy fromOptionName(String name) {
        for (IsolationPolicy policy : values()) {
            if (policy.optionName.equals(name.toLowerCase(Locale.ROOT))) {
                return policy;
            }
        }
        throw new IllegalArgumentException("isolate: \"" + name + "\" (expected: " + optionNames() + ")");
    }

    /** {@code client, dest-addr, dest-port or dest-addr-port}. */
    public static String optionNames() {
        return "client, dest-addr, dest-port or dest-addr-port";
    }

    public String optionName() {
        return optionName;
    }

    public boolean isolatesDestAddr() {
        return destAddr;
    }

    public boolean isolatesDestPort() {
        return destPort;
    }

    /** The Whonix SocksPort with this policy. */
    public int whonixPort() {
        return whonixPort;
    }

    @Override
    public String toString() {
        return optionName;
    }
}
