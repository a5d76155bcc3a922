package org.streamiso.socks;

/**
 * Protocol constants of SOCKS5 that are not reply codes, written once for the agent and proxy-core.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions</a>
 */
public final class Socks5 {
    /** The protocol version byte that starts every SOCKS5 message. */
    public static final byte VERSION = 0x05;
    /** The version byte of the RFC 1929 username/password sub-negotiation. */
    public static final byte PASSWORD_AUTH_VERSION = 0x01;
    /** RFC 1929 status for a successful authentication; any other value is a failure. */
    public static final byte PASSWORD_AUTH_SUCCESS = 0x00;
    /** Longest DOMAINNAME, username or password: each carries a one-byte length. */
    public static final int MAX_FIELD_LENGTH = 255;

    private Socks5() {
    }
}
