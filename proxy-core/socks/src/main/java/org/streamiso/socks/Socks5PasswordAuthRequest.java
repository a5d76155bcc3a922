package org.streamiso.socks;

/**
 * The RFC 1929 username/password request. Tor uses the pair as an isolation key: streams with different
 * credentials never share a circuit.
 *
 * <p>Each field is 1-255 ISO-8859-1 characters, one byte each, so that every byte string a client
 * sends decodes to a distinct value and two different keys can never collapse into one.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 */
public record Socks5PasswordAuthRequest(String username, String password) {
    public Socks5PasswordAuthRequest {
        Socks5Codec.checkLatin1Field("username", username);
        Socks5Codec.checkLatin1Field("password", password);
    }

    /** Returns a form safe to log: the fields are isolation keys and print as {@code [scrubbed]}. */
    @Override
    public String toString() {
        return "Socks5PasswordAuthRequest[username=[scrubbed], password=[scrubbed]]";
    }
}
