package org.streamiso.socks;

/**
 * The RFC 1929 status reply: {@code 0x00} is success, anything else a failure.
 *
 * @param status the STATUS byte; {@link #authStatus()} is its typed form
 */
public record Socks5PasswordAuthResponse(byte status) {
    /** A reply with the typed status. */
    public static Socks5PasswordAuthResponse of(Socks5PasswordAuthStatus status) {
        return new Socks5PasswordAuthResponse(status.byteValue());
    }

    /** The STATUS field as a value with words, for messages: {@code failure (RFC 1929 status 0x01)}. */
    public Socks5PasswordAuthStatus authStatus() {
        return Socks5PasswordAuthStatus.valueOf(status);
    }

    public boolean isSuccess() {
        return status == Socks5.PASSWORD_AUTH_SUCCESS;
    }
}
