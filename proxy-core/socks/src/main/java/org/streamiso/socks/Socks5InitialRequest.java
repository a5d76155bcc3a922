package org.streamiso.socks;

import java.util.List;

/**
 * The client's greeting: the authentication methods it offers (RFC 1928 section 3).
 *
 * @param authMethods 1-255 methods, in the client's order of preference
 */
public record Socks5InitialRequest(List<Socks5AuthMethod> authMethods) {
    public Socks5InitialRequest {
        authMethods = List.copyOf(authMethods);
        if (authMethods.isEmpty() || authMethods.size() > Socks5.MAX_FIELD_LENGTH) {
            throw new IllegalArgumentException(
                    "authMethods: " + authMethods.size() + " methods (expected: 1-" + Socks5.MAX_FIELD_LENGTH + ")");
        }
    }
}
