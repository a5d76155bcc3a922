package org.streamiso.socks;

/**
 * A one-byte SOCKS5 code with a name: the shared shape of {@link Socks5AuthMethod}, {@link Socks5CommandType}
 * and {@link Socks5AddressType}. Two codes are equal when they are of one type and carry the same byte, so
 * an unknown code kept by {@code valueOf} compares like a known one.
 */
public abstract class Socks5ByteCode {
    private final byte byteValue;
    private final String name;

    Socks5ByteCode(byte byteValue, String name) {
        this.byteValue = byteValue;
        this.name = name;
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

    /** Returns {@code NAME (0xNN)}. */
    @Override
    public final String toString() {
        return name + String.format(" (0x%02X)", byteValue & 0xFF);
    }
}
