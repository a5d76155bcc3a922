package org.streamiso.proxy.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5HandshakeFailure;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5ServerHandshake;
import org.streamiso.socks.Socks5Step;

/**
 * The client leg of a {@link Stream}: the SOCKS5 server side towards the application, from its greeting through
 * its optional RFC 1929 credentials to its request; then, while the Tor leg runs, it keeps what the client sends
 * early (optimistic data) for the relay. Selector thread only.
 *
 * <p>The SOCKS protocol of this leg is {@link Socks5ServerHandshake}'s, driven by {@link #handshake} from the leg's
 * buffer; the rest acts on what it decoded.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 */
final class ClientLeg {
    /** Room for the longest client handshake (auth 513 bytes plus request 262) and some early data. */
    private static final int CLIENT_HANDSHAKE_BUFFER = 1024;
    private static final List<Socks5AuthMethod> PASSWORD_OR_NONE =
            List.of(Socks5AuthMethod.PASSWORD, Socks5AuthMethod.NO_AUTH);
    private static final List<Socks5AuthMethod> PASSWORD_ONLY = List.of(Socks5AuthMethod.PASSWORD);

    private final StreamContext ctx;
    private final Stream stream;
    private final ListenerConfig listener;
    private final Connection client;
    /** What the client sent and was not consumed yet, fill mode; null once the relay took it or the stream closes. */
    private ByteBuffer in = ByteBuffer.allocate(CLIENT_HANDSHAKE_BUFFER);
    /** As Tor does: username/password when offered, so that the client's key can isolate its streams. */
    private final Socks5ServerHandshake handshake;

    /** The client's RFC 1929 credentials as it sent them (null: none), all of which go into Tor's credentials. */
    private Socks5PasswordAuthRequest credentials;
    /** The client's key, for renewal, refusal counts and the status (see {@link ClientKey}). */
    private ClientKey key = ClientKey.NONE;
    private Socks5CommandRequest request;

    ClientLeg(StreamContext ctx, Stream stream, ListenerConfig listener, Connection client) {
        this.ctx = ctx;
        this.stream = stream;
        this.listener = listener;
        this.client = client;
        this.handshake = new Socks5ServerHandshake(listener.requiresPassword() ? PASSWORD_ONLY : PASSWORD_OR_NONE);
    }

    /** The client's credentials as sent, null when it sent none. */
    Socks5PasswordAuthRequest credentials() {
        return credentials;
    }

    /** The client's key: {@link ClientKey#NONE} while it sent no credentials. */
    ClientKey key() {
        return key;
    }

    /** The client's request, null until it came. */
    Socks5CommandRequest request() {
        return request;
    }

    /** Whether there is room to read more while the Tor leg runs. */
    boolean hasRoom() {
        return in.hasRemaining();
    }

    /** Hands what the client sent after its request (read mode) to the relay; the leg keeps no buffer after. */
    ByteBuffer takeEarlyData() {
        ByteBuffer early = in;
        in = null;
        early.flip();
        return early;
    }

    /** Drops the input buffer: the stream is closing. */
    void release() {
        in = null;
    }

    /** Reads what the client sent during the handshakes, and goes on with its own handshake while in it. */
    void read() throws IOException {
        int n = client.channel.read(in);
        if (n < 0) {
            client.eof = true;
        } else {
            stream.countFromClient(n);
        }
        if (stream.inClientHandshake()) {
            handshake();
            if (client.eof && stream.inClientHandshake()) {
                // The client left in the middle of its handshake: nobody to answer.
                stream.close();
            }
        }
    }

    /**
     * The SOCKS5 server handshake: {@link Socks5ServerHandshake} decodes what has arrived, message by message, and
     * says what to answer; this leg answers, decides on the credentials and hands the request on.
     */
    private void handshake() throws IOException {
        ByteBuffer in = this.in;
        in.flip();
        try {
            Socks5Step<Socks5CommandRequest> step = handshake.next(in);
            while (true) {
                if (step.isSend()) {
                    client.queue(step.bytes());
                    step = handshake.next(in);
                } else if (step.kind() == Socks5Step.Kind.AUTHENTICATE) {
                    step = authenticate(step.credentials());
                } else if (step.isFailed()) {
                    failed(step.failure());
                    return;
                } else if (step.isDone()) {
                    request = step.result();
                    if (!ctx.admission().handshakeDone(stream.ticket)) {
                        // Evicted to admit a newer client at --max-streams, just before its request came in.
                        ctx.log().debug("Closed a client still in its SOCKS handshake to admit a new one"
                                + " (--max-streams).");
                        stream.close();
                        return;
                    }
                    stream.requested();
                    return;
                } else {
                    return; // more bytes to come
                }
            }
        } finally {
            if (this.in == in) {
                in.compact();
            }
        }
    }

    private Socks5Step<Socks5CommandRequest> authenticate(Socks5PasswordAuthRequest auth) {
        ClientAuthentication.Decision decision = ctx.authentication().authenticate(listener,
                (InetSocketAddress) client.channel.socket().getLocalSocketAddress(), auth);
        if (!decision.accepted()) {
            stream.refused(decision.key(), false);
            return handshake.authenticated(false);
        }
        credentials = auth;
        key = decision.key();
        return handshake.authenticated(true);
    }

    private void failed(Socks5HandshakeFailure failure) {
        if (failure.kind() == Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD) {
            ctx.stats().refusedByProxy.increment();
            ctx.log().debug("A client offered no acceptable authentication method" + (listener.requiresPassword()
                    ? " (this port requires username/password)" : "") + "; it got 0xFF and was closed.");
        } else if (failure.kind() == Socks5HandshakeFailure.Kind.MALFORMED) {
            ctx.stats().malformed.increment();
            ctx.log().debug("Malformed SOCKS input from a client (" + failure.description()
                    + "); it was answered and closed.");
        }
        // AUTH_REFUSED: counted and logged by the authentication, as the decision was made.
        stream.closeAfter(failure.answer());
    }

    static byte[] reply(Socks5CommandStatus status) {
        return Socks5Codec.encode(Socks5CommandResponse.of(status));
    }
}
