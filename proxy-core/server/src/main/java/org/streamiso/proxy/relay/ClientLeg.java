package org.streamiso.proxy.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.streamiso.socks.Socks5;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5Decoded;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5InitialResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * The client leg of a {@link Stream}: the SOCKS5 server side towards the application, from its greeting through
 * its optional RFC 1929 credentials to its request; then, while the Tor leg runs, it keeps what the client sends
 * early (optimistic data) for the relay. Selector thread only.
 *
 * <p>The SOCKS parsing of this leg is {@link #handshake} alone; the rest acts on what it decoded.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 */
final class ClientLeg {
    private enum Step {
        GREETING, AUTH, REQUEST
    }

    /** Room for the longest client handshake (auth 513 bytes plus request 262) and some early data. */
    private static final int CLIENT_HANDSHAKE_BUFFER = 1024;
    private static final byte[] NO_ACCEPTABLE_METHOD = Socks5Codec.encode(
            new Socks5InitialResponse(Socks5AuthMethod.UNACCEPTED));
    private static final byte[] AUTH_FAILED = {Socks5.PASSWORD_AUTH_VERSION, 0x01};
    private static final byte[] AUTH_OK = {Socks5.PASSWORD_AUTH_VERSION, Socks5.PASSWORD_AUTH_SUCCESS};

    private final StreamContext ctx;
    private final Stream stream;
    private final ListenerConfig listener;
    private final Connection client;
    /** What the client sent and was not consumed yet, fill mode; null once the relay took it or the stream closes. */
    private ByteBuffer in = ByteBuffer.allocate(CLIENT_HANDSHAKE_BUFFER);
    private Step step = Step.GREETING;

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

    /** The SOCKS5 server handshake: decodes what has arrived, message by message, and acts on each. */
    private void handshake() throws IOException {
        ByteBuffer in = this.in;
        in.flip();
        try {
            while (stream.inClientHandshake()) {
                if (step == Step.GREETING) {
                    Socks5Decoded<Socks5InitialRequest> greeting = Socks5Codec.decodeInitialRequest(in);
                    if (!greeting.isDone()) {
                        if (greeting.isFailed()) {
                            malformed(greeting.failure(), NO_ACCEPTABLE_METHOD);
                        }
                        return;
                    }
                    chooseMethod(greeting.message().authMethods());
                } else if (step == Step.AUTH) {
                    Socks5Decoded<Socks5PasswordAuthRequest> auth = Socks5Codec.decodePasswordAuthRequest(in);
                    if (!auth.isDone()) {
                        if (auth.isFailed()) {
                            malformed(auth.failure(), AUTH_FAILED);
                        }
                        return;
                    }
                    authenticate(auth.message());
                } else {
                    Socks5Decoded<Socks5CommandRequest> command = Socks5Codec.decodeCommandRequest(in);
                    if (!command.isDone()) {
                        if (command.isFailed()) {
                            malformed(command.failure(), reply(command.failureReply()));
                        }
                        return;
                    }
                    request = command.message();
                    if (!ctx.admission().handshakeDone(stream.ticket)) {
                        // Evicted to admit a newer client at --max-streams, just before its request came in.
                        ctx.log().debug("Closed a client still in its SOCKS handshake to admit a new one"
                                + " (--max-streams).");
                        stream.close();
                        return;
                    }
                    stream.requested();
                }
            }
        } finally {
            if (this.in == in) {
                in.compact();
            }
        }
    }

    private void chooseMethod(List<Socks5AuthMethod> offered) {
        // As Tor does: username/password when offered, so that the client's key can isolate its streams.
        if (offered.contains(Socks5AuthMethod.PASSWORD)) {
            client.queue(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.PASSWORD)));
            step = Step.AUTH;
        } else if (offered.contains(Socks5AuthMethod.NO_AUTH) && !listener.requiresPassword()) {
            client.queue(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH)));
            step = Step.REQUEST;
        } else {
            ctx.stats().refusedByProxy.increment();
            ctx.log().debug("A client offered no acceptable authentication method" + (listener.requiresPassword()
                    ? " (this port requires username/password)" : "") + "; it got 0xFF and was closed.");
            stream.closeAfter(NO_ACCEPTABLE_METHOD);
        }
    }

    private void authenticate(Socks5PasswordAuthRequest auth) {
        ClientAuthentication.Decision decision = ctx.authentication().authenticate(listener,
                (InetSocketAddress) client.channel.socket().getLocalSocketAddress(), auth);
        if (!decision.accepted()) {
            stream.refused(decision.key(), false);
            stream.closeAfter(AUTH_FAILED);
            return;
        }
        credentials = auth;
        key = decision.key();
        client.queue(AUTH_OK);
        step = Step.REQUEST;
    }

    private void malformed(String failure, byte[] answer) {
        ctx.stats().malformed.increment();
        ctx.log().debug("Malformed SOCKS input from a client (" + failure + "); it was answered and closed.");
        stream.closeAfter(answer);
    }

    static byte[] reply(Socks5CommandStatus status) {
        return Socks5Codec.encode(Socks5CommandResponse.of(status));
    }
}
