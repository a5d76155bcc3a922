package org.streamiso.socks;

/**
 * A SOCKS5 authentication method (RFC 1928 section 3); {@link #valueOf(byte)} keeps unknown codes.
 */
public final class Socks5AuthMethod {
    public static final Socks5AuthMethod NO_AUTH = new Socks5AuthMethod((byte) 0x00, "no authentication");
    public static final Socks5AuthMethod GSSAPI = new Socks5AuthMethod((byte) 0x01, "GSSAPI");
    public static final Socks5AuthMethod PASSWORD = new Socks5AuthMethod((byte) 0x02, "username/password");
    public static final Socks5AuthMethod UNACCEPTED = new Socks5AuthMethod((byte) 0xFF, "no acceptable methods");

    private final byte byteValue;
    private final String name;

    private Socks5AuthMethod(byte byteValue, String name) {
        this.byteValue = byteValue;
        this.name = name;
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

    public byte byteValue() {
        return byteValue;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Socks5AuthMethod && ((Socks5AuthMethod) o).byteValue == byteValue;
    }

    @Override
    public int hashCode() {
        return byteValue;
    }

    @Override
    public String toString() {
        return name + String.format(" (0x%02X)", byteValue & 0xFF);
    }
}
