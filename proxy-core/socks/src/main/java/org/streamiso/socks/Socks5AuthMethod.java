package org.streamiso.socks;

/**
 * A SOCKS5 authentication method (RFC 1928 section 3); {@link #valueOf(byte)} keeps unknown codes.
 */
public final class Socks5AuthMethod extends Socks5ByteCode {
    public static final Socks5AuthMethod NO_AUTH = new Socks5AuthMethod((byte) 0x00, "no authentication");
    public static final Socks5AuthMethod GSSAPI = new Socks5AuthMethod((byte) 0x01, "GSSAPI");
    public static final Socks5AuthMethod PASSWORD = new Socks5AuthMethod((byte) 0x02, "username/password");
    public static final Socks5AuthMethod UNACCEPTED = new Socks5AuthMethod((byte) 0xFF, "no acceptable methods");

    private Socks5AuthMethod(byte byteValue, String name) {
        super(byteValue, name);
    }

    /** Returns the constant for {@code b}, or a new value that keeps an unknown code. */
    public static Socks5AuthMethod valueOf(byte b) {
        switch (b) {
            case 0x00: return NO_AUTH;
            case 0x01: return GSSAPI;
            case 0x02: return PASSWORD;
            case (byte) 0xFF: return UNACCEPTED;
            default: return new Socks5AuthMethod(b, "unknown");
        }
    }
}
