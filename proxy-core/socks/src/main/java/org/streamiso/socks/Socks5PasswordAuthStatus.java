package org.streamiso.socks;

/**
 * The STATUS field of an RFC 1929 username/password reply: {@code 0x00} is success, any other value a failure,
 * after which the server closes the connection. {@link #valueOf(byte)} keeps an unknown code instead of throwing,
 * as {@link Socks5CommandStatus} does for reply codes.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929#section-2">RFC 1929 section 2</a>
 */
public final class Socks5PasswordAuthStatus extends Socks5ByteCode {
    public static final Socks5PasswordAuthStatus SUCCESS = new Socks5PasswordAuthStatus(0x00, "success");
    /** The failure status servers send (Tor and proxy-core send 0x01); RFC 1929 names no other value. */
    public static final Socks5PasswordAuthStatus FAILURE = new Socks5PasswordAuthStatus(0x01, "failure");

    private Socks5PasswordAuthStatus(int byteValue, String description) {
        super((byte) byteValue, description, "RFC 1929 status ");
    }

    /** Returns the constant for {@code b}, or a new value that keeps another code (a failure, as RFC 1929 says). */
    public static Socks5PasswordAuthStatus valueOf(byte b) {
        if (b == SUCCESS.byteValue()) {
            return SUCCESS;
        }
        if (b == FAILURE.byteValue()) {
            return FAILURE;
        }
        return new Socks5PasswordAuthStatus(b & 0xFF, "failure");
    }

    public boolean isSuccess() {
        return byteValue() == 0x00;
    }
}
