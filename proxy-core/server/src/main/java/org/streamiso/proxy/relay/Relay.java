package org.streamiso.proxy.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;

/**
 * The relay of a {@link Stream} once both handshakes are done: bytes both ways between the client and Tor, each
 * side's end of stream passed on as a half-close, and the stall timeout. Selector thread only.
 *
 * <p>The relay writes straight from the buffer it just read into (a direct buffer of the loop's pool, 256 KiB by
 * default), so the selector waits for writability only when a peer does not read.
 */
final class Relay {
    /** Reads of one direction per readiness event before the selector serves other streams. */
    private static final int MAX_READS_PER_EVENT = 16;

    private final StreamContext ctx;
    private final Stream stream;
    private final Connection client;
    private final Connection tor;

    Relay(StreamContext ctx, Stream stream, Connection client, Connection tor) {
        this.ctx = ctx;
        this.stream = stream;
        this.client = client;
        this.tor = tor;
    }

    /**
     * Starts relaying. {@code torLeftover} (read mode) is what Tor sent right after its reply (a server that speaks
     * first): it follows the reply, already queued, to the client. {@code clientEarly} (read mode) is what the client
     * sent after its request (optimistic data): it goes to Tor now that the stream is open.
     */
    void start(ByteBuffer torLeftover, ByteBuffer clientEarly) throws IOException {
        long now = System.nanoTime();
        if (torLeftover.hasRemaining()) {
            stream.countToClient(torLeftover.remaining());
            client.out.put(torLeftover);
        }
        if (clientEarly.hasRemaining()) {
            tor.out(now).put(clientEarly);
            tor.outSince = now;
        }
        client.outSince = now;
        stream.flushToTor();
        stream.flushToClient();
    }

    /**
     * Moves bytes from one side to the other: reads and writes straight from the buffer just read, again and again
     * until the source has nothing more, the destination blocks, or this stream has had its share of the event.
     * Only when the destination blocks does the buffer stay with the stream (and the selector wait for it to be
     * writable); otherwise it goes back to the pool before the event ends.
     */
    void pump(boolean fromClient) throws IOException {
        Connection source = fromClient ? client : tor;
        Connection sink = fromClient ? tor : client;
        long now = System.nanoTime();
        ByteBuffer buffer = sink.out(now);
        boolean sinkOpen = !sink.outputShut;
        for (int i = 0; i < MAX_READS_PER_EVENT && buffer.hasRemaining(); i++) {
            int room = buffer.remaining();
            int n = source.channel.read(buffer);
            if (n < 0) {
                source.eof = true;
                break;
            }
            if (n == 0) {
                break;
            }
            if (fromClient) {
                stream.countFromClient(n);
            } else {
                stream.countToClient(n);
            }
            if (!sinkOpen) {
                break;
            }
            buffer.flip();
            int written = sink.channel.write(buffer);
            buffer.compact();
            if (written > 0) {
                sink.outSince = now;
            }
            if (buffer.position() > 0 || n < room) {
                // The destination is full (wait for it to be writable), or the source gave less than there was
                // room for, so it is drained: another read now would only return 0.
                break;
            }
        }
        if (fromClient) {
            stream.flushToTor();
        } else {
            stream.flushToClient();
        }
    }

    /**
     * After a write emptied {@code sink}'s buffer: passes the other side's end of stream on as a half-close, and
     * closes the stream once both sides ended and nothing waits.
     */
    void drained(Connection sink) throws IOException {
        Connection source = sink == client ? tor : client;
        if (source.eof) {
            sink.shutdownOutput();
        }
        if (client.eof && tor.eof && client.out == null && tor.out == null) {
            stream.close();
        }
    }

    /** The selector's interest in reading {@code source}: while it is open and its destination has room. */
    int readInterest(Connection source) {
        Connection sink = source == client ? tor : client;
        return !source.eof && (sink.out == null || sink.out.hasRemaining()) ? SelectionKey.OP_READ : 0;
    }

    /** Closes the stream when a side has read nothing for the stall timeout while bytes waited for it. */
    void checkStall(long now) {
        long stall = ctx.config().stallTimeout().toNanos();
        boolean clientStalled = client.out != null && now - client.outSince >= stall;
        boolean torStalled = tor.out != null && now - tor.outSince >= stall;
        if (clientStalled || torStalled) {
            ctx.stats().timedOut.increment();
            ctx.log().debug("A stream to " + stream.dest() + " was closed: " + (clientStalled ? "the client" : "Tor")
                    + " read nothing for " + ctx.config().stallTimeout().toMillis() + " ms while bytes waited.");
            stream.close();
        }
    }
}
