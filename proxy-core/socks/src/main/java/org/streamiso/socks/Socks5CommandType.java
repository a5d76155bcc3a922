package org.streamiso.socks;

/**
 * A SOCKS5 command: RFC 1928's CONNECT, BIND and UDP ASSOCIATE, and Tor's RESOLVE and RESOLVE_PTR;
 * {@link #valueOf(byte)} keeps unknown codes.
 *
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions</a>
 */
public final class Socks5CommandType extends Socks5ByteCode {
    public static final Socks5CommandType CONNECT = new Socks5CommandType((byte) 0x01, "CONNECT");
    public static final Socks5CommandType BIND = new Socks5CommandType((byte) 0x02, "BIND");
    public static final Socks5CommandType UDP_ASSOCIATE = new Socks5CommandType((byte) 0x03, "UDP ASSOCIATE");
    /** Tor: resolve a name and answer the address in the reply's BND.ADDR. */
    public static final Socks5CommandType RESOLVE = new Socks5CommandType((byte) 0xF0, "RESOLVE");
    /** Tor: resolve an address to a name, answered as a DOMAINNAME in BND.ADDR. */
    public static final Socks5CommandType RESOLVE_PTR = new Socks5CommandType((byte) 0xF1, "RESOLVE_PTR");

    private Socks5CommandType(byte byteValue, String name) {
        super(byteValue, name);
    }

    /** Returns the constant for {@code b}, or a new value that keeps an unknown code. */
    public static Socks5CommandType valueOf(byte b) {
        switch (b) {
            case 0x01: return CONNECT;
            case 0x02: return BIND;
            case 0x03: return UDP_ASSOCIATE;
            case (byte) 0xF0: return RESOLVE;
            case (byte) 0xF1: return RESOLVE_PTR;
            default: return new Socks5CommandType(b, "unknown");
        }
    }
}
