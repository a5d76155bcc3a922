package org.streamiso.proxy.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.streamiso.socks.Socks5ClientHandshake;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5HandshakeFailure;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5Step;

/**
 * The Tor leg of a {@link Stream}: the SOCKS5 client side towards a Tor SocksPort, from the connect through Tor's
 * method choice and authentication status to its reply; then it holds the connection to Tor for the relay until the
 * stream closes. Selector thread only.
 *
 * <p>Greeting, credentials and request go to Tor in one write. Until Tor has accepted the credentials (it acts on
 * the request only then), a failed SocksPort is replaced by the next one; after that, Tor's reply or a failure reply
 * goes to the client. The SOCKS protocol of this leg is {@link Socks5ClientHandshake}'s, driven by {@link #handshake}
 * from the leg's buffer.
 *
 * <p><b>Important:</b> the only address this class connects to is a configured Tor SocksPort; the client's
 * destination is only ever sent to Tor inside a SOCKS request.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 */
final class TorLeg {
    private enum Step {
        CONNECTING, HANDSHAKE, OPEN
    }

    /** Room for Tor's longest reply (262 bytes) plus the first bytes a server sends right after it. */
    private static final int TOR_HANDSHAKE_BUFFER = 1024;

    private final StreamContext ctx;
    private final Stream stream;
    private final Socks5CommandRequest request;
    /** The connection to the SocksPort tried now; null between attempts and once closed. */
    private Connection tor;
    private TorSocksPorts.SocksPort socksPort;
    /** The address {@link #socksPort} had when this stream connected (a launched tor's port changes on restart). */
    private InetSocketAddress socksPortAddress;
    /** Whether {@link TorSocksPorts#opened} counts this stream on {@link #socksPort}. */
    private boolean countedOnSocksPort;
    private InetSocketAddress torLocalAddress;
    /** Tor's answers not consumed yet, fill mode; null outside the handshake. */
    private ByteBuffer in;
    private Step step = Step.CONNECTING;
    /** The SOCKS5 client handshake with the SocksPort tried now; null before its connect. */
    private Socks5ClientHandshake handshake;
    /** Whether Tor accepted the credentials on this attempt: the request is Tor's, only its reply is to come. */
    private boolean authenticated;

    private Socks5PasswordAuthRequest torCredentials;
    private List<TorSocksPorts.SocksPort> candidates;
    private int nextCandidate;
    /** The client key's epoch when the credentials were made. */
    private long epoch;

    TorLeg(StreamContext ctx, Stream stream, Socks5CommandRequest request) {
        this.ctx = ctx;
        this.stream = stream;
        this.request = request;
    }

    /** The connection to Tor, null when none is open. */
    Connection connection() {
        return tor;
    }

    /** Whether the connect to the SocksPort is still under way (nothing may be written yet). */
    boolean connecting() {
        return step == Step.CONNECTING;
    }

    /** Whether Tor has the request and the stream waits for its reply. */
    boolean waitingForReply() {
        return step == Step.HANDSHAKE && authenticated;
    }

    long epoch() {
        return epoch;
    }

    /** The SocksPort this stream is connected to, null when none. */
    InetSocketAddress socksPortAddress() {
        return socksPort == null || tor == null ? null : socksPortAddress;
    }

    /** The local address of the connection to the SocksPort, null when none. */
    InetSocketAddress localAddress() {
        return torLocalAddress;
    }

    /** The selector's interest for the handshake: the connect, or Tor's answers. */
    int handshakeInterest() {
        return step == Step.CONNECTING ? SelectionKey.OP_CONNECT : tor.eof ? 0 : SelectionKey.OP_READ;
    }

    /** Starts the leg once the client's request came: the gate, the credentials, then the first SocksPort. */
    void start(ClientLeg client) {
        String refusal = ctx.gate().refusal();
        if (refusal != null) {
            stream.refused(client.key(), false);
            ctx.log().debug("Refused a " + request.type() + " to " + stream.dest() + ": " + refusal
                    + "; the client got " + Socks5CommandStatus.FAILURE + " and nothing was sent anywhere.");
            stream.fail(Socks5CommandStatus.FAILURE);
            return;
        }
        InetSocketAddress clientAddress = stream.clientAddress();
        if (clientAddress == null) {
            stream.close(); // The client is already gone: nobody to relay for.
            return;
        }
        epoch = ctx.credentials().epoch(client.key().key());
        torCredentials = ctx.credentials().upstream(stream.listener(), clientAddress.getAddress(),
                client.credentials(), request, epoch);
        candidates = ctx.socksPorts().order(torCredentials.password());
        nextCandidate = 0;
        connectNextSocksPort();
    }

    private void connectNextSocksPort() {
        close();
        if (candidates.isEmpty()) {
            stream.refused(stream.clientKey(), false);
            ctx.log().debug("Refused a " + request.type() + " to " + stream.dest() + ": no Tor SocksPort is up ("
                    + ctx.socksPorts().describe() + "); the client got " + Socks5CommandStatus.FAILURE + " and nothing was sent"
                    + " anywhere.");
            stream.fail(Socks5CommandStatus.FAILURE);
            return;
        }
        if (nextCandidate >= candidates.size()) {
            stream.refused(stream.clientKey(), false);
            ctx.log().warn("No Tor SocksPort took a " + request.type() + " to " + stream.dest() + " (tried "
                    + ctx.socksPorts().describe() + "); the client got " + Socks5CommandStatus.FAILURE + " and nothing was sent"
                    + " anywhere else. Is tor running and are --tor-socks right?");
            stream.fail(Socks5CommandStatus.FAILURE);
            return;
        }
        socksPort = candidates.get(nextCandidate++);
        socksPortAddress = socksPort.address;
        step = Step.CONNECTING;
        stream.deadlineIn(ctx.config().connectTimeout());
        try {
            SocketChannel channel = SocketChannel.open();
            tor = new Connection(channel, ctx.pool());
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            // On loopback the connection is usually established by the time connect returns: finishing it now
            // saves one trip through the selector.
            boolean connected = channel.connect(socksPortAddress) || channel.finishConnect();
            tor.key = channel.register(ctx.selector(), connected ? 0 : SelectionKey.OP_CONNECT, stream);
            if (connected) {
                connected();
            }
        } catch (IOException e) {
            failed("refused the connection (" + e.getMessage() + ")");
        }
    }

    /** The selector says the connect finished (or failed). */
    void connectable() {
        try {
            if (tor.channel.finishConnect()) {
                connected();
            }
        } catch (IOException e) {
            failed("refused the connection (" + e.getMessage() + ")");
        }
    }

    private void connected() throws IOException {
        torLocalAddress = (InetSocketAddress) tor.channel.getLocalAddress();
        ctx.observer().upstreamOpened(socksPortAddress, torLocalAddress, torCredentials.password());
        ctx.socksPorts().opened(torCredentials.password(), socksPort);
        countedOnSocksPort = true;
        in = ByteBuffer.allocate(TOR_HANDSHAKE_BUFFER);
        step = Step.HANDSHAKE;
        authenticated = false;
        // Greeting, credentials and request leave in one write, as the agent sends them: Tor reads pipelined SOCKS
        // messages, and it saves two round trips per stream. Tor acts on the request only after it accepted the
        // credentials; a SocksPort that chooses another method or refuses them gets the rest as malformed bytes,
        // and nothing reaches any other address.
        handshake = Socks5ClientHandshake.pipelined(request, torCredentials);
        tor.queue(handshake.next(ByteBuffer.allocate(0)).bytes());
    }

    /** Reads Tor's answers and goes on with the handshake; a closed connection fails over or fails the stream. */
    void read() throws IOException {
        if (step == Step.CONNECTING || step == Step.OPEN) {
            return;
        }
        if (tor.channel.read(in) < 0) {
            tor.eof = true;
        }
        handshake();
        boolean eof = tor != null && tor.eof && stream.inTorHandshake();
        if (eof && !authenticated) {
            failed("closed the connection during the SOCKS5 handshake");
        } else if (eof) {
            ctx.log().warn("Tor SocksPort " + socksPort + " closed the connection before answering a "
                    + request.type() + " to " + stream.dest() + "; the client got " + Socks5CommandStatus.FAILURE + " and nothing was"
                    + " sent anywhere else. Did tor stop or restart?");
            ctx.stats().upstreamFailures.increment();
            stream.fail(Socks5CommandStatus.FAILURE);
        }
    }

    /**
     * The SOCKS5 client handshake: {@link Socks5ClientHandshake} decodes Tor's answers (Tor's quirk with pipelined
     * credentials included) and says when Tor accepted the credentials and what it replied; this leg acts on each.
     */
    private void handshake() throws IOException {
        ByteBuffer in = this.in;
        in.flip();
        try {
            Socks5Step<Socks5CommandResponse> next = handshake.next(in);
            if (!authenticated && handshake.pastAuthentication()) {
                authenticated = true;
                stream.deadlineIn(ctx.config().replyTimeout());
                ctx.socksPorts().succeeded(socksPort); // the request went with the greeting
            }
            if (next.isDone()) {
                replied(next.result(), in);
            } else if (next.isFailed()) {
                Socks5HandshakeFailure failure = next.failure();
                if (failure.kind() == Socks5HandshakeFailure.Kind.MALFORMED_REPLY) {
                    ctx.stats().upstreamFailures.increment();
                    ctx.log().warn("Tor SocksPort " + socksPort + " sent a malformed reply (" + failure.description()
                            + "); the client got " + Socks5CommandStatus.FAILURE + ". Is " + socksPort
                            + " really a Tor SocksPort?");
                    stream.fail(Socks5CommandStatus.FAILURE);
                } else if (failure.kind() == Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD) {
                    // Fail closed: without credentials Tor could not isolate this stream.
                    failed("did not take username/password (" + failure.description() + "), so the isolation"
                            + " credentials could not be sent");
                } else if (failure.kind() == Socks5HandshakeFailure.Kind.AUTH_REFUSED) {
                    failed("rejected the isolation credentials (" + failure.description() + ")");
                } else {
                    failed("is not a usable SOCKS5 server: " + failure.description());
                }
            }
        } finally {
            if (this.in == in) {
                in.compact();
            }
        }
    }

    /** Tor answered; {@code leftover} (read mode) holds what Tor sent after the reply. */
    private void replied(Socks5CommandResponse reply, ByteBuffer leftover) throws IOException {
        byte[] answer = Socks5Codec.encode(reply);
        if (!reply.status().isSuccess()) {
            stream.refused(stream.clientKey(), true);
            ctx.log().debug("Tor answered a " + request.type() + " to " + stream.dest() + " with " + reply.status()
                    + "; relayed to the client.");
            close();
            stream.closeAfter(answer);
            return;
        }
        if (!Socks5CommandType.CONNECT.equals(request.type())) {
            ctx.stats().resolved.increment();
            close();
            stream.closeAfter(answer);
            return;
        }
        ctx.stats().relayed.increment();
        step = Step.OPEN;
        in = null;
        stream.startRelay(answer, leftover);
    }

    /** Tor's SocksPort failed before the request was sent: nothing reached any destination, so try the next. */
    private void failed(String what) {
        ctx.stats().upstreamFailures.increment();
        ctx.socksPorts().failed(socksPort, what);
        connectNextSocksPort();
    }

    /** The connection to Tor failed during the handshake: fail over before the request was sent, else tell the client. */
    void error(IOException e) {
        if (waitingForReply()) {
            ctx.stats().upstreamFailures.increment();
            ctx.log().warn("The connection to Tor SocksPort " + socksPort + " failed before Tor answered a "
                    + request.type() + " to " + stream.dest() + " (" + e.getMessage() + "); the client got "
                    + Socks5CommandStatus.FAILURE + " and nothing was sent anywhere else. Did tor stop or restart?");
            stream.fail(Socks5CommandStatus.FAILURE);
        } else {
            failed("failed during the SOCKS5 handshake (" + e.getMessage() + ")");
        }
    }

    /** The handshake ran past its deadline: fail over while connecting, else answer 0x06. */
    void timedOut() {
        if (waitingForReply()) {
            ctx.stats().timedOut.increment();
            ctx.log().warn("Tor did not answer a " + request.type() + " to " + stream.dest() + " within "
                    + ctx.config().replyTimeout().toMillis() + " ms; the client got "
                    + Socks5CommandStatus.TTL_EXPIRED + ". Is the Tor network reachable (see its Bootstrapped log lines)?");
            stream.fail(Socks5CommandStatus.TTL_EXPIRED);
        } else {
            failed("did not complete the SOCKS5 handshake within " + ctx.config().connectTimeout().toMillis() + " ms");
        }
    }

    /** Closes the connection to Tor, if one is open, and tells those that counted it. */
    void close() {
        if (tor != null) {
            tor.close();
            if (torLocalAddress != null) {
                ctx.observer().upstreamClosed(socksPortAddress, torLocalAddress);
            }
            if (countedOnSocksPort) {
                ctx.socksPorts().closed(torCredentials.password(), socksPort);
                countedOnSocksPort = false;
            }
            tor = null;
            torLocalAddress = null;
            in = null;
        }
    }
}
