package org.streamiso.socks;

/**
 * The RFC 1929 status reply: {@code 0x00} is success, anything else a failure.
 */
public record Socks5PasswordAuthResponse(byte status) {
    public boolean isSuccess() {
        return status == Socks5.PASSWORD_AUTH_SUCCESS;
    }
}
