package org.streamiso.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ApiBridgeTest {
    @Test
    void servesItsOwnApiVersionAndSaysWhyNotForAnother() {
        assertNull(ApiBridge.connect(ApiBridge.API_VERSION));
        String newer = ApiBridge.connect(ApiBridge.API_VERSION + 1);
        assertTrue(newer.startsWith("the streamiso agent in this JVM serves isolation API versions 1 to "
                + ApiBridge.API_VERSION + ", but the application's streamiso-api jar is version "
                + (ApiBridge.API_VERSION + 1)), newer);
        assertTrue(ApiBridge.connect(0).contains("version 0"));
    }

    @Test
    void aScopeIsEnteredAndLeftOnTheCurrentThread() {
        assertNull(ApiBridge.current());
        String outer = ApiBridge.enter("alice");
        assertNull(outer);
        String inner = ApiBridge.enter("bob");
        assertEquals("alice", inner);
        assertEquals("bob", ApiBridge.current());
        ApiBridge.exit(inner);
        assertEquals("alice", ApiBridge.current());
        ApiBridge.exit(outer);
        assertNull(ApiBridge.current());
    }
}
