package org.streamiso.socks;

/**
 * The ATYP of a SOCKS5 address (RFC 1928 section 5); {@link #valueOf(byte)} keeps unknown codes.
 */
public final class Socks5AddressType extends Socks5ByteCode {
    /**
     * No address: Tor answers a failed RESOLVE with ATYP 0x00 and four zero bytes in the address's place
     * ({@code connection_ap_handshake_socks_resolved}). Only in failure replies; its address is {@code 0.0.0.0}.
     */
    public static final Socks5AddressType NONE = new Socks5AddressType((byte) 0x00, "none");
    public static final Socks5AddressType IPV4 = new Socks5AddressType((byte) 0x01, "IPv4");
    public static final Socks5AddressType DOMAIN = new Socks5AddressType((byte) 0x03, "DOMAINNAME");
    public static final Socks5AddressType IPV6 = new Socks5AddressType((byte) 0x04, "IPv6");

    private Socks5AddressType(byte byteValue, String name) {
        super(byteValue, name);
    }

    /** Returns the constant for {@code b}, or a new value that keeps an unknown code. */
    public static Socks5AddressType valueOf(byte b) {
        switch (b) {
            case 0x00: return NONE;
            case 0x01: return IPV4;
            case 0x03: return DOMAIN;
            case 0x04: return IPV6;
            default: return new Socks5AddressType(b, "unknown");
        }
    }
}
