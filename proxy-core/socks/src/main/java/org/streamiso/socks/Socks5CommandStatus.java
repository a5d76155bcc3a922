package org.streamiso.socks;

/**
 * The REP field of a SOCKS5 reply: RFC 1928's codes and Tor's extended codes 0xF0-0xF7, each with
 * plain words for error messages; {@link #valueOf(byte)} keeps unknown codes instead of throwing.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928#section-6">RFC 1928 section 6</a>
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions (ExtendedErrors)</a>
 */
public final class Socks5CommandStatus extends Socks5ByteCode {
    public static final Socks5CommandStatus SUCCESS = new Socks5CommandStatus(0x00, "succeeded");
    public static final Socks5CommandStatus FAILURE = new Socks5CommandStatus(0x01, "general SOCKS server failure");
    public static final Socks5CommandStatus FORBIDDEN = new Socks5CommandStatus(0x02, "connection not allowed by ruleset");
    public static final Socks5CommandStatus NETWORK_UNREACHABLE = new Socks5CommandStatus(0x03, "network unreachable");
    public static final Socks5CommandStatus HOST_UNREACHABLE = new Socks5CommandStatus(0x04, "host unreachable");
    public static final Socks5CommandStatus CONNECTION_REFUSED = new Socks5CommandStatus(0x05, "connection refused");
    public static final Socks5CommandStatus TTL_EXPIRED = new Socks5CommandStatus(0x06, "TTL expired");
    public static final Socks5CommandStatus COMMAND_UNSUPPORTED = new Socks5CommandStatus(0x07, "command not supported");
    public static final Socks5CommandStatus ADDRESS_UNSUPPORTED = new Socks5CommandStatus(0x08, "address type not supported");
    public static final Socks5CommandStatus ONION_DESCRIPTOR_NOT_FOUND =
            new Socks5CommandStatus(0xF0, "onion service descriptor not found");
    public static final Socks5CommandStatus ONION_DESCRIPTOR_INVALID =
            new Socks5CommandStatus(0xF1, "onion service descriptor is invalid");
    public static final Socks5CommandStatus ONION_INTRODUCTION_FAILED =
            new Socks5CommandStatus(0xF2, "onion service introduction failed");
    public static final Socks5CommandStatus ONION_RENDEZVOUS_FAILED =
            new Socks5CommandStatus(0xF3, "onion service rendezvous failed");
    public static final Socks5CommandStatus ONION_MISSING_CLIENT_AUTH =
            new Socks5CommandStatus(0xF4, "onion service needs client authorization");
    public static final Socks5CommandStatus ONION_WRONG_CLIENT_AUTH =
            new Socks5CommandStatus(0xF5, "onion service client authorization is wrong");
    public static final Socks5CommandStatus ONION_ADDRESS_INVALID =
            new Socks5CommandStatus(0xF6, "onion address is invalid");
    public static final Socks5CommandStatus ONION_INTRODUCTION_TIMED_OUT =
            new Socks5CommandStatus(0xF7, "onion service introduction timed out");

    private static final Socks5CommandStatus[] KNOWN = {
        SUCCESS, FAILURE, FORBIDDEN, NETWORK_UNREACHABLE, HOST_UNREACHABLE, CONNECTION_REFUSED, TTL_EXPIRED,
        COMMAND_UNSUPPORTED, ADDRESS_UNSUPPORTED, ONION_DESCRIPTOR_NOT_FOUND, ONION_DESCRIPTOR_INVALID,
        ONION_INTRODUCTION_FAILED, ONION_RENDEZVOUS_FAILED, ONION_MISSING_CLIENT_AUTH, ONION_WRONG_CLIENT_AUTH,
        ONION_ADDRESS_INVALID, ONION_INTRODUCTION_TIMED_OUT,
    };

    private Socks5CommandStatus(int byteValue, String description) {
        super((byte) byteValue, description, "SOCKS reply ");
    }

    /** Returns the constant for {@code b}, or a new value that keeps an unknown code. */
    public static Socks5CommandStatus valueOf(byte b) {
        for (Socks5CommandStatus known : KNOWN) {
            if (known.byteValue() == b) {
                return known;
            }
        }
        return new Socks5CommandStatus(b & 0xFF, "unknown SOCKS reply code");
    }

    public boolean isSuccess() {
        return byteValue() == 0x00;
    }
}
