package org.streamiso.proxy.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandStatus;

/**
 * One client connection and its upstream connection to a Tor SocksPort, through its phases: the {@link ClientLeg}
 * (the SOCKS5 server side towards the client), the {@link TorLeg} (the SOCKS5 client side towards Tor), the
 * {@link Relay} (bytes both ways); or closing (a final reply is flushed, then the connection is closed). This class
 * runs the selector's events through the phase at hand, and owns the deadlines, the closing and the status view.
 * Selector thread only.
 *
 * <p>Bytes queued during an event are written before the event ends, so a reply waits for no further readiness
 * event.
 *
 * <p><b>Important:</b> the only address a stream connects to is a configured Tor SocksPort ({@link TorLeg}); the
 * client's destination is only ever sent to Tor inside a SOCKS request.
 */
final class Stream {
    private enum Phase {
        /** The client's greeting, credentials and request. */
        CLIENT_HANDSHAKE,
        /** Connecting to a SocksPort and Tor's answers. */
        TOR_HANDSHAKE,
        RELAY,
        /** A final reply is flushed, then the client connection closed. */
        CLOSING,
        CLOSED
    }

    private final StreamContext ctx;
    private final ListenerConfig listener;
    private final Connection client;
    private final ClientLeg clientLeg;
    /** Null until the client's request came. */
    private TorLeg torLeg;
    /** Null until both handshakes are done. */
    private Relay relay;
    private Phase phase = Phase.CLIENT_HANDSHAKE;
    private long deadline;

    /** This stream's place under {@code --max-streams}, with its id. */
    final Admission.Ticket ticket;
    /** For the status view: a number unique in this run, when accepted, bytes each way. */
    private final long id;
    private final long openedAtMillis = System.currentTimeMillis();
    private long bytesFromClient;
    private long bytesToClient;

    Stream(StreamContext ctx, ListenerConfig listener, SocketChannel client, Admission.Ticket ticket) {
        this.ctx = ctx;
        this.listener = listener;
        this.client = new Connection(client, ctx.pool());
        this.clientLeg = new ClientLeg(ctx, this, listener, this.client);
        this.ticket = ticket;
        this.id = ticket.id;
        this.deadline = System.nanoTime() + ctx.config().handshakeTimeout().toNanos();
    }

    void register() throws IOException {
        client.key = client.channel.register(ctx.selector(), SelectionKey.OP_READ, this);
    }

    // ---- events -----------------------------------------------------------------------------------

    void handle(SelectionKey key) throws IOException {
        if (phase == Phase.CLOSED) {
            return;
        }
        if (!key.isValid()) {
            // Cancelled earlier in this round (the connection to Tor was closed or replaced): nothing to handle.
            finish();
            return;
        }
        // Read once: a handler below may cancel this key (failover), and a cancelled key has no ready set.
        int ready = key.readyOps();
        if (key == client.key) {
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                flushToClient();
            }
            if (phase != Phase.CLOSED && (ready & SelectionKey.OP_READ) != 0) {
                clientReadable();
            }
        } else if (key == torKey()) {
            try {
                if ((ready & SelectionKey.OP_CONNECT) != 0) {
                    torLeg.connectable();
                }
                if (phase != Phase.CLOSED && key == torKey() && (ready & SelectionKey.OP_WRITE) != 0) {
                    flushToTor();
                }
                if (phase != Phase.CLOSED && key == torKey() && (ready & SelectionKey.OP_READ) != 0) {
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
        if (phase != Phase.CLOSED && client.flushDue) {
            flushToClient();
        }
        Connection tor = torConnection();
        if (phase != Phase.CLOSED && tor != null && tor.flushDue && !torLeg.connecting()) {
            try {
                flushToTor();
            } catch (IOException e) {
                torError(e);
                if (phase != Phase.CLOSED && client.flushDue) {
                    flushToClient();
                }
            }
        }
        if (phase != Phase.CLOSED) {
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
        switch (phase) {
            case CLIENT_HANDSHAKE, TOR_HANDSHAKE -> clientLeg.read();
            case RELAY -> relay.pump(true);
            case CLOSING -> discardClientInput();
            default -> { }
        }
    }

    private void torReadable() throws IOException {
        switch (phase) {
            case TOR_HANDSHAKE -> torLeg.read();
            case RELAY -> relay.pump(false);
            default -> { }
        }
    }

    /** The connection to Tor failed: the Tor leg fails over or tells the client while in its handshake. */
    private void torError(IOException e) throws IOException {
        if (phase != Phase.TOR_HANDSHAKE) {
            throw e;
        }
        torLeg.error(e);
    }

    // ---- what the legs call --------------------------------------------------------------------------

    boolean inClientHandshake() {
        return phase == Phase.CLIENT_HANDSHAKE;
    }

    boolean inTorHandshake() {
        return phase == Phase.TOR_HANDSHAKE;
    }

    /** The client's request came and it was admitted: the Tor leg starts. */
    void requested() {
        phase = Phase.TOR_HANDSHAKE;
        torLeg = new TorLeg(ctx, this, clientLeg.request());
        torLeg.start(clientLeg);
    }

    /** Tor accepted a CONNECT: {@code answer} goes to the client, then the relay starts. */
    void startRelay(byte[] answer, ByteBuffer torLeftover) throws IOException {
        client.queue(answer);
        phase = Phase.RELAY;
        deadline = Long.MAX_VALUE;
        relay = new Relay(ctx, this, client, torLeg.connection());
        relay.start(torLeftover, clientLeg.takeEarlyData());
    }

    /** Sets the deadline of the step that starts now. */
    void deadlineIn(Duration timeout) {
        deadline = System.nanoTime() + timeout.toNanos();
    }

    /** Answers the request with {@code status} and closes. */
    void fail(Socks5CommandStatus status) {
        if (torLeg != null) {
            torLeg.close();
        }
        closeAfter(ClientLeg.reply(status));
    }

    /** Sends {@code answer}, then closes the client connection; bounded by the handshake timeout. */
    void closeAfter(byte[] answer) {
        client.queue(answer);
        phase = Phase.CLOSING;
        clientLeg.release();
        deadline = System.nanoTime() + ctx.config().handshakeTimeout().toNanos();
    }

    void countFromClient(int n) {
        ctx.stats().bytesFromClients.add(n);
        bytesFromClient += n;
    }

    void countToClient(int n) {
        ctx.stats().bytesToClients.add(n);
        bytesToClient += n;
    }

    /** Counts a refusal in the totals and for the client's key. */
    void refused(ClientKey clientKey, boolean byTor) {
        InetSocketAddress clientAddress = clientAddress();
        ctx.stats().refused(clientAddress == null ? null : clientAddress.getAddress(), clientKey, byTor);
    }

    ListenerConfig listener() {
        return listener;
    }

    /** The client's key: {@link ClientKey#NONE} while it sent no credentials. */
    ClientKey clientKey() {
        return clientLeg.key();
    }

    /** The client's address, null once it is gone. */
    InetSocketAddress clientAddress() {
        return (InetSocketAddress) client.channel.socket().getRemoteSocketAddress();
    }

    /** The request's destination, scrubbed unless unsafe logging is on. */
    String dest() {
        Socks5CommandRequest request = clientLeg.request();
        return ctx.safelog().destination(request.dstAddr(), request.dstPort());
    }

    // ---- writing, interest, deadlines, closing --------------------------------------------------------

    void flushToClient() throws IOException {
        if (client.write()) {
            if (phase == Phase.CLOSING) {
                // The final reply is out: send FIN, then read until the client closes, so that unread input does
                // not turn our close into a reset that could destroy the reply before the client reads it.
                client.shutdownOutput();
                if (client.eof) {
                    close();
                }
            } else if (phase == Phase.RELAY) {
                relay.drained(client);
            }
        }
    }

    void flushToTor() throws IOException {
        Connection tor = torConnection();
        if (tor.write() && phase == Phase.RELAY) {
            relay.drained(tor);
        }
    }

    private void discardClientInput() throws IOException {
        ByteBuffer scratch = ctx.pool().acquire();
        try {
            if (client.channel.read(scratch) < 0) {
                client.eof = true;
                if (client.out == null) {
                    close();
                }
            }
        } finally {
            ctx.pool().release(scratch);
        }
    }

    private Connection torConnection() {
        return torLeg == null ? null : torLeg.connection();
    }

    private SelectionKey torKey() {
        Connection tor = torConnection();
        return tor == null ? null : tor.key;
    }

    private void updateInterest() {
        if (phase == Phase.CLOSED) {
            return;
        }
        int clientOps = switch (phase) {
            case CLIENT_HANDSHAKE, CLOSING -> client.eof ? 0 : SelectionKey.OP_READ;
            case TOR_HANDSHAKE -> !client.eof && clientLeg.hasRoom() ? SelectionKey.OP_READ : 0;
            case RELAY -> relay.readInterest(client);
            case CLOSED -> 0;
        };
        if (client.out != null) {
            clientOps |= SelectionKey.OP_WRITE;
        }
        if (client.key.isValid()) {
            client.key.interestOps(clientOps);
        }
        Connection tor = torConnection();
        if (tor != null && tor.key != null && tor.key.isValid()) {
            int torOps = switch (phase) {
                case TOR_HANDSHAKE -> torLeg.handshakeInterest();
                case RELAY -> relay.readInterest(tor);
                default -> 0;
            };
            if (tor.out != null && !(phase == Phase.TOR_HANDSHAKE && torLeg.connecting())) {
                torOps |= SelectionKey.OP_WRITE;
            }
            tor.key.interestOps(torOps);
        }
    }

    void checkDeadline(long now) {
        switch (phase) {
            case CLIENT_HANDSHAKE -> {
                if (now - deadline >= 0) {
                    ctx.stats().timedOut.increment();
                    ctx.log().debug("A client did not complete its SOCKS request within "
                            + ctx.config().handshakeTimeout().toMillis() + " ms; it was closed.");
                    close();
                }
            }
            case TOR_HANDSHAKE -> {
                if (now - deadline >= 0) {
                    torLeg.timedOut();
                    finishQuietly();
                }
            }
            case RELAY -> relay.checkStall(now);
            case CLOSING -> {
                if (now - deadline >= 0) {
                    close();
                }
            }
            default -> { }
        }
    }

    void closeAfterError(Exception e) {
        if (phase == Phase.CLOSED) {
            return;
        }
        ctx.log().debug("A stream to " + (clientLeg.request() == null ? "(no request yet)" : dest()) + " ended: "
                + e);
        close();
    }

    void close() {
        if (phase == Phase.CLOSED) {
            return;
        }
        if (torLeg != null) {
            torLeg.close();
        }
        phase = Phase.CLOSED;
        client.close();
        ctx.closed().accept(this);
    }

    // ---- status -------------------------------------------------------------------------------------

    /** What the status view shows of this stream, in clear: the status model scrubs it. */
    StreamStatus status() {
        InetSocketAddress clientAddress = clientAddress();
        Socks5CommandRequest request = clientLeg.request();
        return new StreamStatus(id, listener.address(), listener.isolation(),
                clientAddress == null ? null : clientAddress.getAddress(),
                clientLeg.key(), torLeg == null ? 0 : torLeg.epoch(),
                request == null ? null : commandName(request), request == null ? null : request.dstAddr(),
                request == null ? 0 : request.dstPort(), stateName(), openedAtMillis, bytesFromClient, bytesToClient,
                torLeg == null ? null : torLeg.socksPortAddress(), torLeg == null ? null : torLeg.localAddress());
    }

    /** {@code CONNECT}, {@code RESOLVE}: the command's name without its code. */
    private static String commandName(Socks5CommandRequest request) {
        String name = request.type().toString();
        int paren = name.indexOf(" (");
        return paren > 0 ? name.substring(0, paren) : name;
    }

    private String stateName() {
        return switch (phase) {
            case CLIENT_HANDSHAKE -> "handshake";
            case TOR_HANDSHAKE -> torLeg.waitingForReply() ? "waiting-for-tor" : "connecting";
            case RELAY -> "relaying";
            case CLOSING, CLOSED -> "closing";
        };
    }
}
