package org.streamiso.socks;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The client side of one SOCKS5 handshake as a state machine without I/O: the greeting (no authentication, or
 * RFC 1929 username/password), the credentials, the request (CONNECT, Tor's RESOLVE or RESOLVE_PTR) and the reply
 * with its bound address. {@link #next} consumes what the server sent and returns a {@link Socks5Step}: bytes to
 * send, the exact number of bytes needed next, or the reply (whatever its code: the caller decides), or a failure.
 * The agent drives it with exact reads from a socket, proxy-core from its selector buffers, the private network's
 * probe the same way as the agent (Arti's {@code tor-socksproto} client handshake).
 *
 * <p>{@link #pipelined}: greeting, credentials and request leave in one write, which saves two round trips per
 * stream; Tor and proxy-core read pipelined SOCKS messages and act on the request only after they accepted the
 * credentials. A server that chooses another method or refuses the credentials reads the rest as bad bytes, and
 * nothing reaches any destination. {@link #stepByStep}: each message waits for the answer to the one before.
 *
 * <p><b>Important:</b> JDK-only, loaded by the agent on an application's first connect: no lambdas, streams or
 * string concatenation through {@code invokedynamic} (the module compiles it inline).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions</a>
 */
public final class Socks5ClientHandshake {
    /** The longest server message the client reads: a reply with a 255-byte DOMAINNAME (RESOLVE_PTR's answer). */
    public static final int MAX_MESSAGE = 4 + 1 + Socks5.MAX_FIELD_LENGTH + 2;

    private static final int START = 0;
    private static final int METHOD = 1;
    private static final int AUTH = 2;
    private static final int REPLY = 3;
    private static final int DONE = 4;
    private static final int FAILED = 5;

    private final Socks5CommandRequest request;
    private final Socks5PasswordAuthRequest credentials;
    private final Socks5AuthMethod method;
    private final boolean pipelined;
    private int state = START;
    /** The failure was a malformed reply: the server had got past authentication. */
    private boolean repliedFailure;

    private Socks5ClientHandshake(Socks5CommandRequest request, Socks5PasswordAuthRequest credentials,
            boolean pipelined) {
        if (request == null) {
            throw new IllegalArgumentException("request: null (expected: a CONNECT, RESOLVE or RESOLVE_PTR)");
        }
        this.request = request;
        this.credentials = credentials;
        this.method = credentials == null ? Socks5AuthMethod.NO_AUTH : Socks5AuthMethod.PASSWORD;
        this.pipelined = pipelined;
    }

    /**
     * A handshake whose first step sends greeting, credentials and request in one write.
     *
     * @param credentials the RFC 1929 username/password, the only method offered; null offers only "no
     *                    authentication"
     */
    public static Socks5ClientHandshake pipelined(Socks5CommandRequest request, Socks5PasswordAuthRequest credentials) {
        return new Socks5ClientHandshake(request, credentials, true);
    }

    /** A handshake that sends each message only after the server answered the one before. */
    public static Socks5ClientHandshake stepByStep(Socks5CommandRequest request,
            Socks5PasswordAuthRequest credentials) {
        return new Socks5ClientHandshake(request, credentials, false);
    }

    /**
     * The next step, after consuming from {@code in} (position to limit, read mode) the server's messages that
     * are complete; the position moves past each, and a partial one is left where it is. After {@link
     * Socks5Step.Kind#DONE} the bytes the server sent after the reply are still in {@code in}. The first call
     * returns the greeting (with credentials and request when pipelined) to send.
     *
     * @throws IllegalStateException after the handshake ended (done or failed)
     */
    public Socks5Step<Socks5CommandResponse> next(ByteBuffer in) {
        while (true) {
            switch (state) {
                case START:
                    state = METHOD;
                    return Socks5Step.send(pipelined ? pipelinedBytes()
                            : Socks5Codec.encode(new Socks5InitialRequest(List.of(method))));
                case METHOD: {
                    if (pipelined && credentials != null && in.hasRemaining()
                            && in.get(in.position()) == Socks5.PASSWORD_AUTH_VERSION) {
                        // Tor answers a greeting and credentials that arrive together with the credentials' status
                        // alone: both replies go into one reply buffer, and the second replaces the first. Both are
                        // two bytes, so a precise read of two bytes takes either. An RFC 1929 status means Tor
                        // chose username/password: read it as the next reply.
                        state = AUTH;
                        continue;
                    }
                    Socks5Decoded<Socks5InitialResponse> choice = Socks5Codec.decodeInitialResponse(in);
                    if (choice.needsMore()) {
                        return Socks5Step.receive(choice.bytesNeeded());
                    }
                    if (choice.isFailed()) {
                        return malformed(Socks5HandshakeFailure.Kind.MALFORMED, choice);
                    }
                    Socks5AuthMethod chosen = choice.message().authMethod();
                    if (!chosen.equals(method)) {
                        return fail(Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD, "it accepts none of the offered"
                                + " authentication methods (offered " + method + ", answered " + chosen + ")");
                    }
                    if (credentials != null) {
                        state = AUTH;
                        if (!pipelined) {
                            return Socks5Step.send(Socks5Codec.encode(credentials));
                        }
                    } else {
                        state = REPLY;
                        if (!pipelined) {
                            return Socks5Step.send(Socks5Codec.encode(request));
                        }
                    }
                    continue;
                }
                case AUTH: {
                    Socks5Decoded<Socks5PasswordAuthResponse> status = Socks5Codec.decodePasswordAuthResponse(in);
                    if (status.needsMore()) {
                        return Socks5Step.receive(status.bytesNeeded());
                    }
                    if (status.isFailed()) {
                        return malformed(Socks5HandshakeFailure.Kind.MALFORMED, status);
                    }
                    if (!status.message().isSuccess()) {
                        return fail(Socks5HandshakeFailure.Kind.AUTH_REFUSED,
                                "it refused the username/password: " + status.message().authStatus());
                    }
                    state = REPLY;
                    if (!pipelined) {
                        return Socks5Step.send(Socks5Codec.encode(request));
                    }
                    continue;
                }
                case REPLY: {
                    Socks5Decoded<Socks5CommandResponse> reply = Socks5Codec.decodeCommandResponse(in);
                    if (reply.needsMore()) {
                        return Socks5Step.receive(reply.bytesNeeded());
                    }
                    if (reply.isFailed()) {
                        return malformed(Socks5HandshakeFailure.Kind.MALFORMED_REPLY, reply);
                    }
                    state = DONE;
                    return Socks5Step.done(reply.message());
                }
                default:
                    throw new IllegalStateException("the SOCKS handshake already " + (state == DONE ? "ended" : "failed"));
            }
        }
    }

    /**
     * Whether the server has chosen the offered method and accepted the credentials (if any): from then on it acts
     * on the request, and only the reply is still to come (proxy-core starts the reply's deadline here). Stays true
     * once done, and after a malformed reply.
     */
    public boolean pastAuthentication() {
        return state == REPLY || state == DONE || state == FAILED && repliedFailure;
    }

    /** The request this handshake sends. */
    public Socks5CommandRequest request() {
        return request;
    }

    private byte[] pipelinedBytes() {
        byte[] greeting = Socks5Codec.encode(new Socks5InitialRequest(List.of(method)));
        byte[] auth = credentials == null ? new byte[0] : Socks5Codec.encode(credentials);
        byte[] command = Socks5Codec.encode(request);
        byte[] all = new byte[greeting.length + auth.length + command.length];
        System.arraycopy(greeting, 0, all, 0, greeting.length);
        System.arraycopy(auth, 0, all, greeting.length, auth.length);
        System.arraycopy(command, 0, all, greeting.length + auth.length, command.length);
        return all;
    }

    private Socks5Step<Socks5CommandResponse> malformed(Socks5HandshakeFailure.Kind kind, Socks5Decoded<?> decoded) {
        repliedFailure = kind == Socks5HandshakeFailure.Kind.MALFORMED_REPLY;
        return fail(kind, "it does not speak SOCKS5: " + decoded.failure());
    }

    private Socks5Step<Socks5CommandResponse> fail(Socks5HandshakeFailure.Kind kind, String description) {
        state = FAILED;
        return Socks5Step.failed(Socks5HandshakeFailure.client(kind, description));
    }
}
