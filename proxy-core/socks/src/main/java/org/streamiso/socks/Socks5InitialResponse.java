package org.streamiso.socks;

/**
 * The server's choice of authentication method, or {@link Socks5AuthMethod#UNACCEPTED} (RFC 1928 section 3).
 */
public record Socks5InitialResponse(Socks5AuthMethod authMethod) {
}
