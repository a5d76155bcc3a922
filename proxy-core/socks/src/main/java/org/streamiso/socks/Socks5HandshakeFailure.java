package org.streamiso.socks;

/**
 * Why a SOCKS5 handshake failed, in words fit for an error message, with what a server answers before it
 * closes the connection. The words never contain a destination or a key.
 */
public final class Socks5HandshakeFailure {
    /** The kinds of failure. */
    public enum Kind {
        /**
         * The peer's bytes are not the SOCKS5 message expected (a wrong version byte, an empty field, an unknown
         * command or address type), before the request was acted on: a client's greeting, credentials or request,
         * or a server's method choice or RFC 1929 status.
         */
        MALFORMED,
        /** Client only: the reply to the request is malformed; the server may have acted on the request. */
        MALFORMED_REPLY,
        /** The two sides share no authentication method. */
        NO_ACCEPTABLE_METHOD,
        /** The username/password was refused (RFC 1929 status other than 0x00). */
        AUTH_REFUSED,
    }

    private static final byte[] NONE = new byte[0];

    private final Kind kind;
    private final String description;
    private final Socks5CommandStatus reply;
    private final byte[] answer;

    private Socks5HandshakeFailure(Kind kind, String description, Socks5CommandStatus reply, byte[] answer) {
        this.kind = kind;
        this.description = description;
        this.reply = reply;
        this.answer = answer;
    }

    /** A client's failure: it sends nothing more. */
    static Socks5HandshakeFailure client(Kind kind, String description) {
        return new Socks5HandshakeFailure(kind, description, Socks5CommandStatus.FAILURE, NONE);
    }

    /** A server's failure: it sends {@code answer}, whose code is {@code reply}, and closes. */
    static Socks5HandshakeFailure server(Kind kind, String description, Socks5CommandStatus reply, byte[] answer) {
        return new Socks5HandshakeFailure(kind, description, reply, answer);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * What happened, as a clause about the peer: {@code it does not speak SOCKS5: version: 0x48 (expected: 0x05)},
     * {@code it refused the username/password: failure (RFC 1929 status 0x01)}.
     */
    public String description() {
        return description;
    }

    /**
     * Server: the reply code its answer carries (RFC 1928 section 6), 0x01 where the answer is a method choice or
     * an RFC 1929 status; client: 0x01, the code a proxy relays for a handshake that failed upstream.
     */
    public Socks5CommandStatus reply() {
        return reply;
    }

    /** Server: the bytes to send before closing (0xFF, an RFC 1929 failure or a reply); client: none. */
    public byte[] answer() {
        return answer.clone();
    }

    @Override
    public String toString() {
        return kind + ": " + description;
    }
}
