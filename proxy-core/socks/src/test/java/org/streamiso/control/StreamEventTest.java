package org.streamiso.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StreamEventTest {

    @Test
    void parsesSucceededEventWithKeywords() {
        StreamEvent event = StreamEvent.parseLine("650 STREAM 40 SUCCEEDED 17 127.0.0.1:45679 "
                + "CLIENT_PROTOCOL=SOCKS5 NYM_EPOCH=0 SESSION_GROUP=-4");

        assertEquals("40", event.streamId());
        assertEquals(StreamEvent.SUCCEEDED, event.status());
        assertEquals("17", event.circuitId());
        assertEquals("127.0.0.1", event.targetHost());
        assertEquals(45679, event.targetPort());
        assertEquals("-4", event.keywords().get("SESSION_GROUP"));
    }

    @Test
    void keepsRemoteReasonOfFailedStream() {
        StreamEvent event = StreamEvent.parseLine("650 STREAM 39 FAILED 17 nowhere.streamiso.test:45678 "
                + "REASON=END REMOTE_REASON=RESOLVEFAILED");

        assertEquals(StreamEvent.FAILED, event.status());
        assertEquals("nowhere.streamiso.test", event.targetHost());
        assertEquals("RESOLVEFAILED", event.keywords().get("REMOTE_REASON"));
    }

    @Test
    void unquotesQuotedKeywordValues() {
        StreamEvent event = StreamEvent.parseLine("650 STREAM 1 NEW 0 web.streamiso.test:80 SOCKS_USERNAME=\"alice\"");

        assertEquals("alice", event.keywords().get("SOCKS_USERNAME"));
    }

    @Test
    void keepsSpacesInQuotedValuesAndTheKeywordsAfterThem() {
        StreamEvent event = StreamEvent.parseLine("650 STREAM 5 SUCCEEDED 9 web.streamiso.test:80"
                + " SOCKS_USERNAME=\"<torS0X>0\" SOCKS_PASSWORD=\"scope one two\" SOURCE_ADDR=127.0.0.1:40000"
                + " PURPOSE=USER");

        assertEquals("9", event.circuitId());
        assertEquals("web.streamiso.test", event.targetHost());
        assertEquals("<torS0X>0", event.keywords().get("SOCKS_USERNAME"));
        assertEquals("scope one two", event.keywords().get("SOCKS_PASSWORD"));
        assertEquals("127.0.0.1:40000", event.keywords().get("SOURCE_ADDR"));
        assertEquals("USER", event.keywords().get("PURPOSE"));
    }

    @Test
    void unescapesQuotesAndBackslashesInQuotedValues() {
        StreamEvent event = StreamEvent.parseLine("650 STREAM 6 NEW 0 web.streamiso.test:80"
                + " SOCKS_PASSWORD=\"a \\\"quoted\\\" b\\\\c\" CLIENT_PROTOCOL=SOCKS5");

        assertEquals("a \"quoted\" b\\c", event.keywords().get("SOCKS_PASSWORD"));
        assertEquals("SOCKS5", event.keywords().get("CLIENT_PROTOCOL"));
    }

    @Test
    void targetWithoutPortHasPortMinusOne() {
        assertEquals(-1, StreamEvent.parseLine("650 STREAM 2 NEWRESOLVE 0 web.streamiso.test").targetPort());
    }

    @Test
    void parsesTheDataAControlPortLibraryHandsOverAndNeverThrows() {
        StreamEvent event = StreamEvent.parse("42 NEW 0 web.streamiso.test:8080 SOURCE_ADDR=127.0.0.1:51234"
                + " PURPOSE=USER");

        assertEquals("42", event.streamId());
        assertEquals("127.0.0.1:51234", event.sourceAddr());
        assertFalse(event.onCircuit(), "circuit 0 is no circuit");
        assertTrue(StreamEvent.parse("42 SENTCONNECT 7 web.streamiso.test:8080").onCircuit());
        StreamEvent odd = StreamEvent.parse("42");
        assertEquals("", odd.status());
        assertFalse(odd.onCircuit());
        assertNull(odd.sourceAddr());
    }

    @Test
    void rejectsLineThatIsNotAStreamEvent() {
        assertThrows(IllegalArgumentException.class, () -> StreamEvent.parseLine("650 CIRC 1 BUILT"));
        assertThrows(IllegalArgumentException.class, () -> StreamEvent.parseLine("650 STREAM 1 NEW"));
    }
}
