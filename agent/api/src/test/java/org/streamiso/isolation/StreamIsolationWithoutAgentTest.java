package org.streamiso.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Without the agent, every call runs the code and does nothing else. */
class StreamIsolationWithoutAgentTest {
    @Test
    void runsTheCodeAndNothingElse() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        StreamIsolation.run("alice", ran::incrementAndGet);
        assertEquals(1, ran.get());
        assertEquals("result", StreamIsolation.call("bob", () -> "result"));
        Runnable task = ran::incrementAndGet;
        assertSame(task, StreamIsolation.wrap(task), "nothing to carry without the agent");
        Callable<String> callable = () -> "x";
        assertSame(callable, StreamIsolation.wrap(callable));
        StreamIsolation.wrap(Runnable::run).execute(task);
        assertEquals(2, ran.get());
        StreamIsolation.renew("alice");
        assertTrue(StreamIsolation.currentScope().isEmpty());
        assertFalse(StreamIsolation.isActive());
        assertEquals(new StreamIsolation.Status(false, null, null, null), StreamIsolation.status());
    }

    @Test
    void aScopeNeedsAName() {
        assertThrows(IllegalArgumentException.class, () -> StreamIsolation.renew(""));
        Exception e = assertThrows(IllegalArgumentException.class, () -> StreamIsolation.renew(null));
        assertTrue(e.getMessage().startsWith("scope: null (expected: a non-empty name"), e.getMessage());
    }

    @Test
    void exceptionsOfTheCodePassThrough() {
        IllegalStateException thrown = new IllegalStateException("boom");
        assertSame(thrown, assertThrows(IllegalStateException.class,
                () -> StreamIsolation.run("alice", () -> { throw thrown; })));
    }
}
