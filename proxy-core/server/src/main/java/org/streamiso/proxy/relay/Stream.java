package org.streamiso.proxy.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.streamiso.socks.Socks5;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5Decoded;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5InitialResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5PasswordAuthResponse;

/**
 * One client connection and its upstream connection to a Tor SocksPort: the SOCKS5 server side towards the client,
 * the SOCKS5 client side towards Tor, then the byte relay both ways. Selector thread only.
 *
 * <p>The stream moves through: client greeting, client authentication, client request; connecting to a SocksPort,
 * Tor's method choice, Tor's authentication status, Tor's reply; relay; or closing (a final reply is flushed, then
 * the connection is closed). Greeting, credentials and request go to Tor in one write. Until Tor has accepted the
 * credentials (it acts on the request only then), a failed SocksPort is replaced by the next one; after that, Tor's
 * reply or a failure reply goes to the client.
 *
 * <p>Bytes queued during an event are written before the event ends, and the relay writes straight from the buffer
 * it just read into, so the selector waits for writability only when a peer does not read.
 *
 * <p><b>Important:</b> the only address this class connects to is a configured Tor SocksPort; the client's
 * destination is only ever sent to Tor inside a SOCKS request.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 */
final class Stream {
    private enum State {
        GREETING, AUTH, REQUEST, CONNECTING, TOR_GREETING, TOR_AUTH, TOR_REPLY, RELAY, CLOSING, CLOSED
    }

    /** Room for the longest client handshake (auth 513 bytes plus request 262) and some early data. */
    private static final int CLIENT_HANDSHAKE_BUFFER = 1024;
    /** Room for Tor's longest reply (262 bytes) plus the first bytes a server sends right after it. */
    private static final int TOR_HANDSHAKE_BUFFER = 1024;
    /** Reads of one direction per readiness event before the selector serves other streams. */
    private static final int MAX_READS_PER_EVENT = 16;
    private static final byte[] NO_ACCEPTABLE_METHOD = Socks5Codec.encode(
            new Socks5InitialResponse(Socks5AuthMethod.UNACCEPTED));
    private static final byte[] AUTH_FAILED = {Socks5.PASSWORD_AUTH_VERSION, 0x01};
    private static final byte[] AUTH_OK = {Socks5.PASSWORD_AUTH_VERSION, Socks5.PASSWORD_AUTH_SUCCESS};
    private static final byte[] TOR_GREETING = Socks5Codec.encode(
            new Socks5InitialRequest(List.of(Socks5AuthMethod.PASSWORD)));

    private final SelectorLoop loop;
    private final ListenerConfig listener;
    private final SocketChannel client;
    private SelectionKey clientKey;
    private SocketChannel tor;
    private SelectionKey torKey;
    private TorSocksPorts.SocksPort socksPort;
    /** The address {@link #socksPort} had when this stream connected (a launched tor's port changes on restart). */
    private InetSocketAddress socksPortAddress;
    /** Whether {@link TorSocksPorts#opened} counts this stream on {@link #socksPort}. */
    private boolean countedOnSocksPort;
    private InetSocketAddress torLocalAddress;

    private State state = State.GREETING;
    private ByteBuffer clientIn = ByteBuffer.allocate(CLIENT_HANDSHAKE_BUFFER);
    private ByteBuffer torIn;
    /** Pooled, fill mode; null while nothing waits to be written. */
    private ByteBuffer toClient;
    private ByteBuffer toTor;
    private boolean clientEof;
    private boolean torEof;
    private boolean clientOutputShut;
    private boolean torOutputShut;
    /** Set when bytes were queued outside a flush: {@link #finish} writes them before the event ends. */
    private boolean clientFlushDue;
    private boolean torFlushDue;

    /** The client's RFC 1929 credentials as it sent them (null: none), all of which go into Tor's credentials. */
    private Socks5PasswordAuthRequest clientKeyCredentials;
    /** The client's key, for renewal, refusal counts and the status (see {@link ClientKey}). */
    private ClientKey clientIsolationKey = ClientKey.NONE;
    private Socks5CommandRequest request;
    private Socks5PasswordAuthRequest torCredentials;
    private List<TorSocksPorts.SocksPort> candidates;
    private int nextCandidate;

    private long deadline;
    private long toClientSince;
    private long toTorSince;

    /** This stream's place under {@code --max-streams}, with its id. */
    final Admission.Ticket ticket;
    /** For the status view: a number unique in this run, when accepted, bytes each way, the key's epoch. */
    private final long id;
    private final long openedAtMillis = System.currentTimeMillis();
    private long bytesFromClient;
    private long bytesToClient;
    private long epoch;

    Stream(SelectorLoop loop, ListenerConfig listener, SocketChannel client, Admission.Ticket ticket) {
        this.loop = loop;
        this.listener = listener;
        this.client = client;
        this.ticket = ticket;
        this.id = ticket.id;
        this.deadline = System.nanoTime() + loop.config.handshakeTimeout().toNanos();
    }

    void register() throws IOException {
        clientKey = client.register(loop.selector, SelectionKey.OP_READ, this);
    }

    // ---- events -----------------------------------------------------------------------------------

    void handle(SelectionKey key) throws IOException {
        if (state == State.CLOSED) {
            return;
        }
        if (!key.isValid()) {
            // Cancelled earlier in this round (the connection to Tor was closed or replaced): nothing to handle.
            finish();
            return;
        }
        // Read once: a handler below may cancel this key (failover), and a cancelled key has no ready set.
        int ready = key.readyOps();
        if (key == clientKey) {
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                flushToClient();
            }
            if (state != State.CLOSED && (ready & SelectionKey.OP_READ) != 0) {
                clientReadable();
            }
        } else if (key == torKey) {
            try {
                if ((ready & SelectionKey.OP_CONNECT) != 0) {
                    torConnectable();
                }
                if (state != State.CLOSED && key == torKey && (ready & SelectionKey.OP_WRITE) != 0) {
                    flushToTor();
                }
                if (state != State.CLOSED && key == torKey && (ready & SelectionKey.OP_READ) != 0) {
                    torReadable();
                }
            } catch (IOException e) {
                torError(e);
            }
        }
        finish();
    }

    /**
     * Called right after accept: a client that sends its greeting with the connect (as the agent does) has it
     * waiting already, so reading now saves one trip through the selector.
     */
    void start() throws IOException {
        clientReadable();
        finish();
    }

    /**
     * Ends every event: writes what the handlers queued at once (a reply waits for no further readiness event),
     * then sets the interest ops for what is still pending.
     */
    private void finish() throws IOException {
        if (state != State.CLOSED && clientFlushDue) {
            flushToClient();
        }
        if (state != State.CLOSED && torFlushDue && tor != null && state != State.CONNECTING) {
            try {
                flushToTor();
            } catch (IOException e) {
                torError(e);
                if (state != State.CLOSED && clientFlushDue) {
                    flushToClient();
                }
            }
        }
        if (state != State.CLOSED) {
            updateInterest();
        }
    }

    /** {@link #finish} for callers outside an event (the deadline scan): a failed write closes the stream. */
    private void finishQuietly() {
        try {
            finish();
        } catch (IOException e) {
            closeAfterError(e);
        }
    }

    private void clientReadable() throws IOException {
        switch (state) {
            case GREETING, AUTH, REQUEST, CONNECTING, TOR_GREETING, TOR_AUTH, TOR_REPLY -> {
                int n = client.read(clientIn);
                if (n < 0) {
                    clientEof = true;
                } else {
                    loop.stats.bytesFromClients.add(n);
                    bytesFromClient += n;
                }
                if (state == State.GREETING || state == State.AUTH || state == State.REQUEST) {
                    clientHandshake();
                    if (clientEof && (state == State.GREETING || state == State.AUTH || state == State.REQUEST)) {
                        // The client left in the middle of its handshake: nobody to answer.
                        close();
                    }
                }
            }
            case RELAY -> relayRead(true);
            case CLOSING -> discardClientInput();
            default -> { }
        }
    }

    private void torReadable() throws IOException {
        switch (state) {
            case TOR_GREETING, TOR_AUTH, TOR_REPLY -> {
                int n = tor.read(torIn);
                if (n < 0) {
                    torEof = true;
                }
                torHandshake();
                if (torEof && (state == State.TOR_GREETING || state == State.TOR_AUTH)) {
                    torFailed("closed the connection during the SOCKS5 handshake");
                } else if (torEof && state == State.TOR_REPLY) {
                    loop.log.warn("Tor SocksPort " + socksPort + " closed the connection before answering a "
                            + request.type() + " to " + dest() + "; the client got SOCKS reply 0x01 and nothing was"
                            + " sent anywhere else. Did tor stop or restart?");
                    loop.stats.upstreamFailures.increment();
                    fail(Socks5CommandStatus.FAILURE);
                }
            }
            case RELAY -> relayRead(false);
            default -> { }
        }
    }

    // ---- client side: SOCKS5 server ----------------------------------------------------------------

    private void clientHandshake() throws IOException {
        ByteBuffer in = clientIn;
        in.flip();
        try {
            while (state == State.GREETING || state == State.AUTH || state == State.REQUEST) {
                if (state == State.GREETING) {
                    Socks5Decoded<Socks5InitialRequest> greeting = Socks5Codec.decodeInitialRequest(in);
                    if (!greeting.isDone()) {
                        if (greeting.isFailed()) {
                            malformed(greeting.failure(), NO_ACCEPTABLE_METHOD);
                        }
                        return;
                    }
                    chooseMethod(greeting.message().authMethods());
                } else if (state == State.AUTH) {
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
                    if (!loop.admission.handshakeDone(ticket)) {
                        // Evicted to admit a newer client at --max-streams, just before its request came in.
                        loop.log.debug("Closed a client still in its SOCKS handshake to admit a new one"
                                + " (--max-streams).");
                        close();
                        return;
                    }
                    startTor();
                }
            }
        } finally {
            if (clientIn == in) {
                in.compact();
            }
        }
    }

    private void chooseMethod(List<Socks5AuthMethod> offered) {
        // As Tor does: username/password when offered, so that the client's key can isolate its streams.
        if (offered.contains(Socks5AuthMethod.PASSWORD)) {
            sendToClient(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.PASSWORD)));
            state = State.AUTH;
        } else if (offered.contains(Socks5AuthMethod.NO_AUTH) && !listener.requiresPassword()) {
            sendToClient(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH)));
            state = State.REQUEST;
        } else {
            loop.stats.refusedByProxy.increment();
            loop.log.debug("A client offered no acceptable authentication method" + (listener.requiresPassword()
                    ? " (this port requires username/password)" : "") + "; it got 0xFF and was closed.");
            closeAfter(NO_ACCEPTABLE_METHOD);
        }
    }

    private void authenticate(Socks5PasswordAuthRequest auth) {
        ClientAuthentication.Decision decision = loop.authentication.authenticate(listener,
                (InetSocketAddress) client.socket().getLocalSocketAddress(), auth);
        if (!decision.accepted()) {
            refused(decision.key(), false);
            closeAfter(AUTH_FAILED);
            return;
        }
        clientKeyCredentials = auth;
        clientIsolationKey = decision.key();
        sendToClient(AUTH_OK);
        state = State.REQUEST;
    }

    private void malformed(String failure, byte[] answer) {
        loop.stats.malformed.increment();
        loop.log.debug("Malformed SOCKS input from a client (" + failure + "); it was answered and closed.");
        closeAfter(answer);
    }

    // ---- Tor side: SOCKS5 client --------------------------------------------------------------------

    private void startTor() {
        String refusal = loop.gate.refusal();
        if (refusal != null) {
            refused(clientKey(), false);
            loop.log.debug("Refused a " + request.type() + " to " + dest() + ": " + refusal
                    + "; the client got SOCKS reply 0x01 and nothing was sent anywhere.");
            fail(Socks5CommandStatus.FAILURE);
            return;
        }
        InetSocketAddress clientAddress = (InetSocketAddress) client.socket().getRemoteSocketAddress();
        if (clientAddress == null) {
            close(); // The client is already gone: nobody to relay for.
            return;
        }
        epoch = loop.credentials.epoch(clientIsolationKey.key());
        torCredentials = loop.credentials.upstream(listener, clientAddress.getAddress(), clientKeyCredentials,
                request, epoch);
        candidates = loop.socksPorts.order(torCredentials.password());
        nextCandidate = 0;
        connectNextSocksPort();
    }

    private void connectNextSocksPort() {
        closeTor();
        if (candidates.isEmpty()) {
            refused(clientKey(), false);
            loop.log.debug("Refused a " + request.type() + " to " + dest() + ": no Tor SocksPort is up ("
                    + loop.socksPorts.describe() + "); the client got SOCKS reply 0x01 and nothing was sent anywhere.");
            fail(Socks5CommandStatus.FAILURE);
            return;
        }
        if (nextCandidate >= candidates.size()) {
            refused(clientKey(), false);
            loop.log.warn("No Tor SocksPort took a " + request.type() + " to " + dest() + " (tried "
                    + loop.socksPorts.describe() + "); the client got SOCKS reply 0x01 and nothing was sent anywhere"
                    + " else. Is tor running and are --tor-socks right?");
            fail(Socks5CommandStatus.FAILURE);
            return;
        }
        socksPort = candidates.get(nextCandidate++);
        socksPortAddress = socksPort.address;
        state = State.CONNECTING;
        deadline = System.nanoTime() + loop.config.connectTimeout().toNanos();
        try {
            tor = SocketChannel.open();
            tor.configureBlocking(false);
            tor.setOption(StandardSocketOptions.TCP_NODELAY, true);
            // On loopback the connection is usually established by the time connect returns: finishing it now
            // saves one trip through the selector.
            boolean connected = tor.connect(socksPortAddress) || tor.finishConnect();
            torKey = tor.register(loop.selector, connected ? 0 : SelectionKey.OP_CONNECT, this);
            if (connected) {
                torConnected();
            }
        } catch (IOException e) {
            torFailed("refused the connection (" + e.getMessage() + ")");
        }
    }

    private void torConnectable() {
        try {
            if (tor.finishConnect()) {
                torConnected();
            }
        } catch (IOException e) {
            torFailed("refused the connection (" + e.getMessage() + ")");
        }
    }

    private void torConnected() throws IOException {
        torLocalAddress = (InetSocketAddress) tor.getLocalAddress();
        loop.observer.upstreamOpened(socksPortAddress, torLocalAddress, torCredentials.password());
        loop.socksPorts.opened(torCredentials.password(), socksPort);
        countedOnSocksPort = true;
        torIn = ByteBuffer.allocate(TOR_HANDSHAKE_BUFFER);
        state = State.TOR_GREETING;
        // Greeting, credentials and request leave in one write, as the agent sends them: Tor reads pipelined SOCKS
        // messages, and it saves two round trips per stream. Tor acts on the request only after it accepted the
        // credentials; a SocksPort that chooses another method or refuses them gets the rest as malformed bytes,
        // and nothing reaches any other address.
        sendToTor(TOR_GREETING);
        sendToTor(Socks5Codec.encode(torCredentials));
        sendToTor(Socks5Codec.encode(request));
    }

    private void torHandshake() throws IOException {
        ByteBuffer in = torIn;
        in.flip();
        try {
            while (true) {
                if (state == State.TOR_GREETING) {
                    if (in.hasRemaining() && in.get(in.position()) == Socks5.PASSWORD_AUTH_VERSION) {
                        // Tor answers a greeting and credentials that arrive in one read with the credentials'
                        // status alone (both replies go into one reply buffer and the second replaces the first).
                        // An RFC 1929 status means Tor chose username/password: read it as the next reply.
                        state = State.TOR_AUTH;
                        continue;
                    }
                    Socks5Decoded<Socks5InitialResponse> choice = Socks5Codec.decodeInitialResponse(in);
                    if (!choice.isDone()) {
                        if (choice.isFailed()) {
                            torFailed("does not speak SOCKS5 (" + choice.failure() + ")");
                        }
                        return;
                    }
                    if (!Socks5AuthMethod.PASSWORD.equals(choice.message().authMethod())) {
                        // Fail closed: without credentials Tor could not isolate this stream.
                        torFailed("chose " + choice.message().authMethod() + " instead of username/password, so"
                                + " the isolation credentials could not be sent");
                        return;
                    }
                    state = State.TOR_AUTH; // the credentials went with the greeting
                } else if (state == State.TOR_AUTH) {
                    Socks5Decoded<Socks5PasswordAuthResponse> status = Socks5Codec.decodePasswordAuthResponse(in);
                    if (!status.isDone()) {
                        if (status.isFailed()) {
                            torFailed("answered the credentials with malformed bytes (" + status.failure() + ")");
                        }
                        return;
                    }
                    if (!status.message().isSuccess()) {
                        torFailed(String.format("rejected the isolation credentials (status 0x%02X)",
                                status.message().status() & 0xFF));
                        return;
                    }
                    state = State.TOR_REPLY;
                    deadline = System.nanoTime() + loop.config.replyTimeout().toNanos();
                    loop.socksPorts.succeeded(socksPort); // the request went with the greeting
                } else if (state == State.TOR_REPLY) {
                    Socks5Decoded<Socks5CommandResponse> reply = Socks5Codec.decodeCommandResponse(in);
                    if (!reply.isDone()) {
                        if (reply.isFailed()) {
                            loop.stats.upstreamFailures.increment();
                            loop.log.warn("Tor SocksPort " + socksPort + " sent a malformed reply (" + reply.failure()
                                    + "); the client got SOCKS reply 0x01. Is " + socksPort + " really a Tor SocksPort?");
                            fail(Socks5CommandStatus.FAILURE);
                        }
                        return;
                    }
                    torReplied(reply.message(), in);
                    return;
                } else {
                    return;
                }
            }
        } finally {
            if (torIn == in) {
                in.compact();
            }
        }
    }

    /** Tor answered; {@code torLeftover} (read mode) holds what Tor sent after the reply. */
    private void torReplied(Socks5CommandResponse reply, ByteBuffer torLeftover) throws IOException {
        byte[] answer = Socks5Codec.encode(reply);
        if (!reply.status().isSuccess()) {
            refused(clientKey(), true);
            loop.log.debug("Tor answered a " + request.type() + " to " + dest() + " with " + reply.status()
                    + "; relayed to the client.");
            closeTor();
            closeAfter(answer);
            return;
        }
        if (!Socks5CommandType.CONNECT.equals(request.type())) {
            loop.stats.resolved.increment();
            closeTor();
            closeAfter(answer);
            return;
        }
        loop.stats.relayed.increment();
        sendToClient(answer);
        startRelay(torLeftover);
    }

    /** Tor's SocksPort failed before the request was sent: nothing reached any destination, so try the next. */
    private void torFailed(String what) {
        loop.stats.upstreamFailures.increment();
        loop.socksPorts.failed(socksPort, what);
        connectNextSocksPort();
    }

    // ---- relay --------------------------------------------------------------------------------------

    private void startRelay(ByteBuffer torLeftover) throws IOException {
        state = State.RELAY;
        deadline = Long.MAX_VALUE;
        long now = System.nanoTime();
        // Bytes Tor sent right after its reply (a server that speaks first) follow the reply to the client.
        if (torLeftover.hasRemaining()) {
            loop.stats.bytesToClients.add(torLeftover.remaining());
            bytesToClient += torLeftover.remaining();
            toClient.put(torLeftover);
        }
        torIn = null;
        // Bytes the client sent after its request (optimistic data) go to Tor now that the stream is open.
        clientIn.flip();
        if (clientIn.hasRemaining()) {
            if (toTor == null) {
                toTor = loop.pool.acquire();
            }
            toTorSince = now;
            toTor.put(clientIn);
        }
        clientIn = null;
        toClientSince = now;
        flushToTor();
        flushToClient();
    }

    /**
     * Moves bytes from one side to the other: reads and writes straight from the buffer just read, again and again
     * until the source has nothing more, the destination blocks, or this stream has had its share of the event.
     * Only when the destination blocks does the buffer stay with the stream (and the selector wait for it to be
     * writable); otherwise it goes back to the pool before the event ends.
     */
    private void relayRead(boolean fromClient) throws IOException {
        SocketChannel source = fromClient ? client : tor;
        SocketChannel sink = fromClient ? tor : client;
        ByteBuffer buffer = fromClient ? toTor : toClient;
        long now = System.nanoTime();
        if (buffer == null) {
            buffer = loop.pool.acquire();
            if (fromClient) {
                toTor = buffer;
                toTorSince = now;
            } else {
                toClient = buffer;
                toClientSince = now;
            }
        }
        boolean sinkOpen = !(fromClient ? torOutputShut : clientOutputShut);
        for (int i = 0; i < MAX_READS_PER_EVENT && buffer.hasRemaining(); i++) {
            int room = buffer.remaining();
            int n = source.read(buffer);
            if (n < 0) {
                if (fromClient) {
                    clientEof = true;
                } else {
                    torEof = true;
                }
                break;
            }
            if (n == 0) {
                break;
            }
            if (fromClient) {
                loop.stats.bytesFromClients.add(n);
                bytesFromClient += n;
            } else {
                loop.stats.bytesToClients.add(n);
                bytesToClient += n;
            }
            if (!sinkOpen) {
                break;
            }
            buffer.flip();
            int written = sink.write(buffer);
            buffer.compact();
            if (written > 0) {
                if (fromClient) {
                    toTorSince = now;
                } else {
                    toClientSince = now;
                }
            }
            if (buffer.position() > 0 || n < room) {
                // The destination is full (wait for it to be writable), or the source gave less than there was
                // room for, so it is drained: another read now would only return 0.
                break;
            }
        }
        if (fromClient) {
            flushToTor();
        } else {
            flushToClient();
        }
    }

    private void flushToClient() throws IOException {
        clientFlushDue = false;
        if (toClient != null) {
            if (toClient.position() > 0) {
                toClient.flip();
                int n = client.write(toClient);
                toClient.compact();
                if (n > 0) {
                    toClientSince = System.nanoTime();
                }
            }
            if (toClient.position() == 0) {
                loop.pool.release(toClient);
                toClient = null;
            }
        }
        if (toClient == null) {
            if (state == State.CLOSING) {
                if (!clientOutputShut) {
                    // The final reply is out: send FIN, then read until the client closes, so that unread input
                    // does not turn our close into a reset that could destroy the reply before the client reads it.
                    clientOutputShut = true;
                    client.shutdownOutput();
                }
                if (clientEof) {
                    close();
                    return;
                }
            } else if (state == State.RELAY && torEof && !clientOutputShut) {
                clientOutputShut = true;
                client.shutdownOutput();
            }
        }
        closeIfRelayDone();
    }

    private void flushToTor() throws IOException {
        torFlushDue = false;
        if (toTor != null) {
            if (toTor.position() > 0) {
                toTor.flip();
                int n = tor.write(toTor);
                toTor.compact();
                if (n > 0) {
                    toTorSince = System.nanoTime();
                }
            }
            if (toTor.position() == 0) {
                loop.pool.release(toTor);
                toTor = null;
            }
        }
        if (toTor == null && state == State.RELAY && clientEof && !torOutputShut) {
            torOutputShut = true;
            tor.shutdownOutput();
        }
        closeIfRelayDone();
    }

    private void closeIfRelayDone() {
        if (state == State.RELAY && clientEof && torEof && toClient == null && toTor == null) {
            close();
        }
    }

    private void discardClientInput() throws IOException {
        ByteBuffer scratch = loop.pool.acquire();
        try {
            if (client.read(scratch) < 0) {
                clientEof = true;
                if (toClient == null) {
                    close();
                }
            }
        } finally {
            loop.pool.release(scratch);
        }
    }

    // ---- writing, interest, deadlines, closing --------------------------------------------------------

    private void sendToClient(byte[] bytes) {
        if (toClient == null) {
            toClient = loop.pool.acquire();
            toClientSince = System.nanoTime();
        }
        toClient.put(bytes);
        clientFlushDue = true;
    }

    private void sendToTor(byte[] bytes) {
        if (toTor == null) {
            toTor = loop.pool.acquire();
            toTorSince = System.nanoTime();
        }
        toTor.put(bytes);
        torFlushDue = true;
    }

    private static byte[] reply(Socks5CommandStatus status) {
        return Socks5Codec.encode(Socks5CommandResponse.of(status));
    }

    /** Answers the request with {@code status} and closes. */
    private void fail(Socks5CommandStatus status) {
        closeTor();
        closeAfter(reply(status));
    }

    /** Sends {@code answer}, then closes the client connection; bounded by the handshake timeout. */
    private void closeAfter(byte[] answer) {
        sendToClient(answer);
        state = State.CLOSING;
        clientIn = null;
        torIn = null;
        deadline = System.nanoTime() + loop.config.handshakeTimeout().toNanos();
    }

    private void updateInterest() {
        if (state == State.CLOSED) {
            return;
        }
        int clientOps = 0;
        switch (state) {
            case GREETING, AUTH, REQUEST -> clientOps = clientEof ? 0 : SelectionKey.OP_READ;
            case CONNECTING, TOR_GREETING, TOR_AUTH, TOR_REPLY ->
                    clientOps = !clientEof && clientIn.hasRemaining() ? SelectionKey.OP_READ : 0;
            case RELAY -> clientOps = !clientEof && (toTor == null || toTor.hasRemaining()) ? SelectionKey.OP_READ : 0;
            case CLOSING -> clientOps = clientEof ? 0 : SelectionKey.OP_READ;
            default -> { }
        }
        if (toClient != null) {
            clientOps |= SelectionKey.OP_WRITE;
        }
        if (clientKey.isValid()) {
            clientKey.interestOps(clientOps);
        }
        if (torKey != null && torKey.isValid()) {
            int torOps = 0;
            switch (state) {
                case CONNECTING -> torOps = SelectionKey.OP_CONNECT;
                case TOR_GREETING, TOR_AUTH, TOR_REPLY -> torOps = torEof ? 0 : SelectionKey.OP_READ;
                case RELAY -> torOps = !torEof && (toClient == null || toClient.hasRemaining()) ? SelectionKey.OP_READ : 0;
                default -> { }
            }
            if (toTor != null && state != State.CONNECTING) {
                torOps |= SelectionKey.OP_WRITE;
            }
            torKey.interestOps(torOps);
        }
    }

    void checkDeadline(long now) {
        switch (state) {
            case GREETING, AUTH, REQUEST -> {
                if (now - deadline >= 0) {
                    loop.stats.timedOut.increment();
                    loop.log.debug("A client did not complete its SOCKS request within "
                            + loop.config.handshakeTimeout().toMillis() + " ms; it was closed.");
                    close();
                }
            }
            case CONNECTING, TOR_GREETING, TOR_AUTH -> {
                if (now - deadline >= 0) {
                    torFailed("did not complete the SOCKS5 handshake within "
                            + loop.config.connectTimeout().toMillis() + " ms");
                    finishQuietly();
                }
            }
            case TOR_REPLY -> {
                if (now - deadline >= 0) {
                    loop.stats.timedOut.increment();
                    loop.log.warn("Tor did not answer a " + request.type() + " to " + dest() + " within "
                            + loop.config.replyTimeout().toMillis() + " ms; the client got SOCKS reply 0x06 (TTL"
                            + " expired). Is the Tor network reachable (see its Bootstrapped log lines)?");
                    fail(Socks5CommandStatus.TTL_EXPIRED);
                    finishQuietly();
                }
            }
            case RELAY -> {
                long stall = loop.config.stallTimeout().toNanos();
                boolean clientStalled = toClient != null && now - toClientSince >= stall;
                boolean torStalled = toTor != null && now - toTorSince >= stall;
                if (clientStalled || torStalled) {
                    loop.stats.timedOut.increment();
                    loop.log.debug("A stream to " + dest() + " was closed: " + (clientStalled ? "the client" : "Tor")
                            + " read nothing for " + loop.config.stallTimeout().toMillis() + " ms while bytes waited.");
                    close();
                }
            }
            case CLOSING -> {
                if (now - deadline >= 0) {
                    close();
                }
            }
            default -> { }
        }
    }

    /** The connection to Tor failed: fail over before the request was sent, else tell the client. */
    private void torError(IOException e) throws IOException {
        switch (state) {
            case CONNECTING, TOR_GREETING, TOR_AUTH -> torFailed("failed during the SOCKS5 handshake (" + e.getMessage() + ")");
            case TOR_REPLY -> {
                loop.stats.upstreamFailures.increment();
                loop.log.warn("The connection to Tor SocksPort " + socksPort + " failed before Tor answered a "
                        + request.type() + " to " + dest() + " (" + e.getMessage() + "); the client got SOCKS reply"
                        + " 0x01 and nothing was sent anywhere else. Did tor stop or restart?");
                fail(Socks5CommandStatus.FAILURE);
            }
            default -> throw e;
        }
    }

    void closeAfterError(Exception e) {
        if (state == State.CLOSED) {
            return;
        }
        loop.log.debug("A stream to " + (request == null ? "(no request yet)" : dest()) + " ended: " + e);
        close();
    }

    private void closeTor() {
        if (tor != null) {
            if (torKey != null) {
                torKey.cancel();
            }
            SelectorLoop.closeQuietly(tor);
            if (torLocalAddress != null) {
                loop.observer.upstreamClosed(socksPortAddress, torLocalAddress);
            }
            if (countedOnSocksPort) {
                loop.socksPorts.closed(torCredentials.password(), socksPort);
                countedOnSocksPort = false;
            }
            tor = null;
            torKey = null;
            torLocalAddress = null;
            torEof = false;
            torIn = null;
            if (state != State.RELAY && toTor != null) {
                loop.pool.release(toTor);
                toTor = null;
            }
        }
    }

    void close() {
        if (state == State.CLOSED) {
            return;
        }
        closeTor();
        state = State.CLOSED;
        if (clientKey != null) {
            clientKey.cancel();
        }
        SelectorLoop.closeQuietly(client);
        if (toClient != null) {
            loop.pool.release(toClient);
            toClient = null;
        }
        if (toTor != null) {
            loop.pool.release(toTor);
            toTor = null;
        }
        loop.removed(this);
    }

    /** The client's key: {@link ClientKey#NONE} while it sent no credentials. */
    private ClientKey clientKey() {
        return clientIsolationKey;
    }

    /** Counts a refusal in the totals and for the client's key. */
    private void refused(ClientKey clientKey, boolean byTor) {
        InetSocketAddress clientAddress = (InetSocketAddress) client.socket().getRemoteSocketAddress();
        loop.stats.refused(clientAddress == null ? null : clientAddress.getAddress(), clientKey, byTor);
    }

    /** What the status view shows of this stream, in clear: the status model scrubs it. */
    StreamStatus status() {
        InetSocketAddress clientAddress = (InetSocketAddress) client.socket().getRemoteSocketAddress();
        return new StreamStatus(id, listener.address(), listener.isolation(),
                clientAddress == null ? null : clientAddress.getAddress(),
                clientIsolationKey, epoch,
                request == null ? null : commandName(request), request == null ? null : request.dstAddr(),
                request == null ? 0 : request.dstPort(), stateName(), openedAtMillis, bytesFromClient, bytesToClient,
                socksPort == null || tor == null ? null : socksPortAddress, torLocalAddress);
    }

    /** {@code CONNECT}, {@code RESOLVE}: the command's name without its code. */
    private static String commandName(Socks5CommandRequest request) {
        String name = request.type().toString();
        int paren = name.indexOf(" (");
        return paren > 0 ? name.substring(0, paren) : name;
    }

    private String stateName() {
        return switch (state) {
            case GREETING, AUTH, REQUEST -> "handshake";
            case CONNECTING, TOR_GREETING, TOR_AUTH -> "connecting";
            case TOR_REPLY -> "waiting-for-tor";
            case RELAY -> "relaying";
            case CLOSING, CLOSED -> "closing";
        };
    }

    private String dest() {
        return loop.safelog.destination(request.dstAddr(), request.dstPort());
    }
}
