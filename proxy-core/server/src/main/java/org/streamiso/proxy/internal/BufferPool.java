package org.streamiso.proxy.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A pool of direct buffers for one selector thread (not thread-safe): large ones for throughput, up to a budget, and
 * small ones beyond it.
 *
 * <p>Streams take a buffer only while bytes are in flight and give it back once it is drained, so an idle stream
 * holds no buffer; this keeps many thousands of mostly idle streams within a small heap and direct-memory budget.
 * A stream keeps its buffer past one event only while its destination does not read; when more than
 * {@code maxLarge} streams do that at once, the others get small buffers, so that many stalled streams cannot take
 * more direct memory than small buffers would.
 */
public final class BufferPool {
    /** The size of the buffers handed out once the large ones are all in use. */
    public static final int SMALL_BUFFER_SIZE = 16 * 1024;

    private final int largeSize;
    private final int smallSize;
    private final int maxLarge;
    private final int maxPooledSmall;
    private final ArrayDeque<ByteBuffer> freeLarge = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> freeSmall = new ArrayDeque<>();
    private int largeOutstanding;
    private int smallOutstanding;

    /**
     * @param largeSize      the size of the buffers handed out while fewer than {@code maxLarge} are in use
     * @param maxLarge       large buffers in use at once (and kept for reuse)
     * @param maxPooledSmall small buffers kept for reuse beyond those in use; more are allocated on demand
     */
    public BufferPool(int largeSize, int maxLarge, int maxPooledSmall) {
        if (largeSize < 1024) {
            throw new IllegalArgumentException("largeSize: " + largeSize + " (expected: at least 1024)");
        }
        if (maxLarge < 1) {
            throw new IllegalArgumentException("maxLarge: " + maxLarge + " (expected: at least 1)");
        }
        this.largeSize = largeSize;
        this.smallSize = Math.min(SMALL_BUFFER_SIZE, largeSize);
        this.maxLarge = maxLarge;
        this.maxPooledSmall = maxPooledSmall;
    }

    /** A cleared buffer, in fill mode: a large one while fewer than {@code maxLarge} are in use, else a small one. */
    public ByteBuffer acquire() {
        if (largeOutstanding < maxLarge) {
            largeOutstanding++;
            ByteBuffer b = freeLarge.pollFirst();
            return b != null ? b : ByteBuffer.allocateDirect(largeSize);
        }
        smallOutstanding++;
        ByteBuffer b = freeSmall.pollFirst();
        return b != null ? b : ByteBuffer.allocateDirect(smallSize);
    }

    /** Gives {@code buffer} back; it must not be used afterwards. */
    public void release(ByteBuffer buffer) {
        buffer.clear();
        // With largeSize == smallSize every buffer counts as large: small ones are only handed out past maxLarge.
        if (buffer.capacity() == largeSize && largeOutstanding > 0) {
            largeOutstanding--;
            freeLarge.addFirst(buffer);
        } else {
            smallOutstanding--;
            if (freeSmall.size() < maxPooledSmall) {
                freeSmall.addFirst(buffer);
            }
        }
    }

    /** Buffers handed out and not yet released: zero when every stream is idle or closed. */
    public int outstanding() {
        return largeOutstanding + smallOutstanding;
    }

    /** Large buffers handed out and not yet released. */
    public int largeOutstanding() {
        return largeOutstanding;
    }

    public int pooled() {
        return freeLarge.size() + freeSmall.size();
    }

    public int largeSize() {
        return largeSize;
    }

    public int smallSize() {
        return smallSize;
    }
}
