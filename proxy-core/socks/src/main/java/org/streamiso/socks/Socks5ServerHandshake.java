package org.streamiso.socks;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The server side of one SOCKS5 handshake as a state machine without I/O: it reads the client's greeting, picks a
 * method from those the server accepts, reads the RFC 1929 credentials (the caller decides on them), reads the
 * request and says what to answer at each point. {@link #next} consumes what the client sent and returns a {@link
 * Socks5Step}: bytes to send, the exact number of bytes needed next, credentials to decide on, the request, or a
 * failure with the answer to send before closing (Arti's {@code tor-socksproto} proxy handshake).
 *
 * <p>A client may pipeline its messages (greeting, credentials and request in one write, as the agent does):
 * {@code next} answers one message at a time and leaves the rest in the buffer, so the answers leave in order.
 * After the request the caller sends the reply ({@link #reply}), its own or the one Tor gave.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 */
public final class Socks5ServerHandshake {
    /** The longest client message: an RFC 1929 request with two 255-byte fields. */
    public static final int MAX_MESSAGE = 3 + 2 * Socks5.MAX_FIELD_LENGTH;

    private static final byte[] NO_ACCEPTABLE_METHOD = {Socks5.VERSION, Socks5AuthMethod.UNACCEPTED.byteValue()};
    private static final byte[] AUTH_FAILURE = {Socks5.PASSWORD_AUTH_VERSION,
        Socks5PasswordAuthStatus.FAILURE.byteValue()};
    private static final byte[] AUTH_SUCCESS = {Socks5.PASSWORD_AUTH_VERSION,
        Socks5PasswordAuthStatus.SUCCESS.byteValue()};

    private static final int GREETING = 0;
    private static final int AUTH = 1;
    private static final int DECIDING = 2;
    private static final int REQUEST = 3;
    private static final int DONE = 4;
    private static final int FAILED = 5;

    private final List<Socks5AuthMethod> accepted;
    private int state = GREETING;
    private Socks5AuthMethod method;
    private Socks5PasswordAuthRequest credentials;

    /**
     * A handshake that accepts {@code accepted} ({@link Socks5AuthMethod#NO_AUTH}, {@link Socks5AuthMethod#PASSWORD}),
     * in the server's order of preference: the first of them the client offers is chosen. Tor prefers
     * username/password when offered, so that the client's key can isolate its streams.
     */
    public Socks5ServerHandshake(List<Socks5AuthMethod> accepted) {
        this.accepted = List.copyOf(accepted);
        for (int i = 0; i < this.accepted.size(); i++) {
            Socks5AuthMethod m = this.accepted.get(i);
            if (!m.equals(Socks5AuthMethod.NO_AUTH) && !m.equals(Socks5AuthMethod.PASSWORD)) {
                throw new IllegalArgumentException("accepted: " + m + " (expected: no authentication or "
                        + "username/password)");
            }
        }
        if (this.accepted.isEmpty()) {
            throw new IllegalArgumentException("accepted: none (expected: at least one authentication method)");
        }
    }

    /**
     * The next step, after consuming from {@code in} (position to limit, read mode) the client's messages that
     * are complete; the position moves past each, a partial one is left where it is, and so are the bytes after
     * the request (data a client sent before the reply).
     *
     * @throws IllegalStateException while credentials wait for {@link #authenticated}, and after the end
     */
    public Socks5Step<Socks5CommandRequest> next(ByteBuffer in) {
        switch (state) {
            case GREETING: {
                Socks5Decoded<Socks5InitialRequest> greeting = Socks5Codec.decodeInitialRequest(in);
                if (greeting.needsMore()) {
                    return Socks5Step.receive(greeting.bytesNeeded());
                }
                if (greeting.isFailed()) {
                    return fail(Socks5HandshakeFailure.Kind.MALFORMED, greeting.failure(), Socks5CommandStatus.FAILURE,
                            NO_ACCEPTABLE_METHOD);
                }
                List<Socks5AuthMethod> offered = greeting.message().authMethods();
                for (int i = 0; i < accepted.size(); i++) {
                    if (offered.contains(accepted.get(i))) {
                        method = accepted.get(i);
                        state = method.equals(Socks5AuthMethod.PASSWORD) ? AUTH : REQUEST;
                        return Socks5Step.send(Socks5Codec.encode(new Socks5InitialResponse(method)));
                    }
                }
                return fail(Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD, "it offered none of the accepted"
                        + " authentication methods (offered " + offered + ", accepted " + accepted + ")",
                        Socks5CommandStatus.FAILURE, NO_ACCEPTABLE_METHOD);
            }
            case AUTH: {
                Socks5Decoded<Socks5PasswordAuthRequest> auth = Socks5Codec.decodePasswordAuthRequest(in);
                if (auth.needsMore()) {
                    return Socks5Step.receive(auth.bytesNeeded());
                }
                if (auth.isFailed()) {
                    return fail(Socks5HandshakeFailure.Kind.MALFORMED, auth.failure(), Socks5CommandStatus.FAILURE,
                            AUTH_FAILURE);
                }
                credentials = auth.message();
                state = DECIDING;
                return Socks5Step.authenticate(credentials);
            }
            case REQUEST: {
                Socks5Decoded<Socks5CommandRequest> command = Socks5Codec.decodeCommandRequest(in);
                if (command.needsMore()) {
                    return Socks5Step.receive(command.bytesNeeded());
                }
                if (command.isFailed()) {
                    return fail(Socks5HandshakeFailure.Kind.MALFORMED, command.failure(), command.failureReply(),
                            reply(command.failureReply()));
                }
                state = DONE;
                return Socks5Step.done(command.message());
            }
            case DECIDING:
                throw new IllegalStateException("the credentials wait for authenticated(accepted)");
            default:
                throw new IllegalStateException("the SOCKS handshake already " + (state == DONE ? "ended" : "failed"));
        }
    }

    /**
     * The caller's decision on the credentials of the last {@link Socks5Step.Kind#AUTHENTICATE} step: accepted, a
     * step that sends RFC 1929 status 0x00 (then call {@link #next} for the request); refused, a failure whose
     * answer is status 0x01.
     */
    public Socks5Step<Socks5CommandRequest> authenticated(boolean accept) {
        if (state != DECIDING) {
            throw new IllegalStateException("no credentials wait for a decision");
        }
        if (!accept) {
            return fail(Socks5HandshakeFailure.Kind.AUTH_REFUSED, "its username/password was refused",
                    Socks5CommandStatus.FAILURE, AUTH_FAILURE);
        }
        state = REQUEST;
        return Socks5Step.send(AUTH_SUCCESS.clone());
    }

    /** The method chosen, once the greeting was read; else null. */
    public Socks5AuthMethod method() {
        return method;
    }

    /** The client's RFC 1929 credentials, once read; null under "no authentication". */
    public Socks5PasswordAuthRequest credentials() {
        return credentials;
    }

    /** The reply to send for {@code status} with an all-zero IPv4 BND.ADDR and port, as servers send failures. */
    public static byte[] reply(Socks5CommandStatus status) {
        return Socks5Codec.encode(Socks5CommandResponse.of(status));
    }

    /** The bytes of {@code reply}, such as Tor's, re-encoded as it came. */
    public static byte[] reply(Socks5CommandResponse reply) {
        return Socks5Codec.encode(reply);
    }

    private Socks5Step<Socks5CommandRequest> fail(Socks5HandshakeFailure.Kind kind, String description,
            Socks5CommandStatus reply, byte[] answer) {
        state = FAILED;
        return Socks5Step.failed(Socks5HandshakeFailure.server(kind, description, reply, answer));
    }
}
