package org.streamiso.socks;

/**
 * A one-byte SOCKS5 code with a name: the shared shape of {@link Socks5AuthMethod}, {@link Socks5CommandType},
 * {@link Socks5AddressType}, and of the reply codes ({@link Socks5CommandStatus}, {@link Socks5PasswordAuthStatus}),
 * which print which field they are. Two codes are equal when they are of one type and carry the same byte, so
 * an unknown code kept by {@code valueOf} compares like a known one.
 */
public abstract class Socks5ByteCode {
    private final byte byteValue;
    private final String name;
    /** What the code is, before its hex in {@link #toString}: empty, {@code "SOCKS reply "}. */
    private final String field;

    Socks5ByteCode(byte byteValue, String name) {
        this(byteValue, name, "");
    }

    Socks5ByteCode(byte byteValue, String name, String field) {
        this.byteValue = byteValue;
        this.name = name;
        this.field = field;
    }

    /** Plain words for this code, for error messages: {@code onion service descriptor not found}. */
    public final String description() {
        return name;
    }

    public final byte byteValue() {
        return byteValue;
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((Socks5ByteCode) o).byteValue == byteValue;
    }

    @Override
    public final int hashCode() {
        return byteValue;
    }

    /** Returns {@code NAME (0xNN)}, or with the field: {@code host unreachable (SOCKS reply 0x04)}. */
    @Override
    public final String toString() {
        return name + " (" + field + Socks5Address.hex(byteValue) + ")";
    }
}
