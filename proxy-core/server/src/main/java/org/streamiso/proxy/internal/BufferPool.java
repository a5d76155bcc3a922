package org.streamiso.proxy.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A pool of direct buffers of one size, for the selector thread alone (not thread-safe).
 *
 * <p>Streams take a buffer only while bytes are in flight and give it back once it is drained, so an idle stream
 * holds no buffer; this keeps many thousands of mostly idle streams within a small heap and direct-memory budget.
 */
public final class BufferPool {
    private final int bufferSize;
    private final int maxPooled;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private int outstanding;

    public BufferPool(int bufferSize, int maxPooled) {
        if (bufferSize < 1024) {
            throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: at least 1024)");
        }
        this.bufferSize = bufferSize;
        this.maxPooled = maxPooled;
    }

    /** A cleared buffer, in fill mode. */
    public ByteBuffer acquire() {
        outstanding++;
        ByteBuffer b = free.pollFirst();
        return b != null ? b : ByteBuffer.allocateDirect(bufferSize);
    }

    /** Gives {@code buffer} back; it must not be used afterwards. */
    public void release(ByteBuffer buffer) {
        outstanding--;
        if (free.size() < maxPooled) {
            buffer.clear();
            free.addFirst(buffer);
        }
    }

    /** Buffers handed out and not yet released: zero when every stream is idle or closed. */
    public int outstanding() {
        return outstanding;
    }

    public int pooled() {
        return free.size();
    }

    public int bufferSize() {
        return bufferSize;
    }
}
