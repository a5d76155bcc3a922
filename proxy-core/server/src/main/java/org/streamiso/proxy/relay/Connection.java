package org.streamiso.proxy.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.streamiso.proxy.internal.BufferPool;

/**
 * One of a stream's two connections, to the client or to a Tor SocksPort: the channel, its selection key and the
 * bytes waiting to be written to it. Selector thread only.
 *
 * <p>The outgoing buffer is pooled and in fill mode, taken when bytes are queued and given back as soon as a write
 * drains it, so an idle connection holds none.
 */
final class Connection {
    final SocketChannel channel;
    private final BufferPool pool;
    /** Null until registered with the selector. */
    SelectionKey key;
    /** Bytes waiting to be written, fill mode; null while nothing waits. */
    ByteBuffer out;
    /** When {@link #out} was taken or last written from: a stall is measured from here. */
    long outSince;
    /** Whether the peer has closed its side (a read returned -1). */
    boolean eof;
    /** Whether our side has been shut down for output (FIN sent). */
    boolean outputShut;
    /** Set when bytes were queued outside a write: the stream writes them before the event ends. */
    boolean flushDue;

    Connection(SocketChannel channel, BufferPool pool) {
        this.channel = channel;
        this.pool = pool;
    }

    /** {@link #out}, taken from the pool (and the stall clock started at {@code now}) when nothing waited. */
    ByteBuffer out(long now) {
        if (out == null) {
            out = pool.acquire();
            outSince = now;
        }
        return out;
    }

    /** Queues {@code bytes}; they are written before the event ends. */
    void queue(byte[] bytes) {
        out(System.nanoTime()).put(bytes);
        flushDue = true;
    }

    /**
     * Writes what waits, as far as the socket takes it without blocking.
     *
     * @return true when nothing waits any more (the buffer went back to the pool)
     */
    boolean write() throws IOException {
        flushDue = false;
        if (out != null) {
            if (out.position() > 0) {
                out.flip();
                int n = channel.write(out);
                out.compact();
                if (n > 0) {
                    outSince = System.nanoTime();
                }
            }
            if (out.position() == 0) {
                pool.release(out);
                out = null;
            }
        }
        return out == null;
    }

    /** Sends FIN once. */
    void shutdownOutput() throws IOException {
        if (!outputShut) {
            outputShut = true;
            channel.shutdownOutput();
        }
    }

    /** Cancels the key, closes the channel and gives the buffer back. */
    void close() {
        if (key != null) {
            key.cancel();
        }
        SelectorLoop.closeQuietly(channel);
        if (out != null) {
            pool.release(out);
            out = null;
        }
    }
}
