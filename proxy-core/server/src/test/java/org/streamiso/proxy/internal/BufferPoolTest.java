package org.streamiso.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The relay's buffers: large ones up to the budget, small ones beyond it, and nothing held once all are back. */
class BufferPoolTest {

    @Test
    void handsOutLargeBuffersUpToTheBudgetAndSmallOnesBeyond() {
        BufferPool pool = new BufferPool(256 * 1024, 2, 8);
        ByteBuffer a = pool.acquire();
        ByteBuffer b = pool.acquire();
        ByteBuffer c = pool.acquire();
        assertEquals(256 * 1024, a.capacity());
        assertEquals(256 * 1024, b.capacity());
        assertEquals(BufferPool.SMALL_BUFFER_SIZE, c.capacity());
        assertTrue(a.isDirect() && c.isDirect());
        assertEquals(3, pool.outstanding());
        assertEquals(2, pool.largeOutstanding());
        pool.release(a);
        assertEquals(1, pool.largeOutstanding());
        assertEquals(256 * 1024, pool.acquire().capacity(), "a large buffer given back is handed out again");
    }

    @Test
    void reusesReleasedBuffersClearedAndCountsNothingOnceAllAreBack() {
        BufferPool pool = new BufferPool(64 * 1024, 1, 8);
        ByteBuffer large = pool.acquire();
        ByteBuffer small = pool.acquire();
        large.put(new byte[100]);
        small.put(new byte[10]);
        pool.release(large);
        pool.release(small);
        assertEquals(0, pool.outstanding());
        ByteBuffer again = pool.acquire();
        assertSame(large, again);
        assertEquals(0, again.position());
        assertEquals(again.capacity(), again.remaining());
        assertSame(small, pool.acquire());
    }

    @Test
    void keepsNoMoreSmallBuffersThanAsked() {
        BufferPool pool = new BufferPool(32 * 1024, 1, 1);
        pool.acquire();
        ByteBuffer s1 = pool.acquire();
        ByteBuffer s2 = pool.acquire();
        pool.release(s1);
        pool.release(s2);
        assertEquals(1, pool.pooled());
    }

    @Test
    void refusesBuffersSmallerThanOneKibibyte() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BufferPool(512, 1, 1));
        assertEquals("largeSize: 512 (expected: at least 1024)", e.getMessage());
    }
}
