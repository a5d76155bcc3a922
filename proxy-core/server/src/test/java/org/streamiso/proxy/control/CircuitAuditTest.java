package org.streamiso.proxy.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;

class CircuitAuditTest {
    private static final InetSocketAddress SOCKS = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9050);
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final CircuitAudit audit = new CircuitAudit(
            new Log(new PrintStream(logBytes, true, StandardCharsets.UTF_8), false), new Safelog(false));

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private void stream(String id, int sourcePort, String circuit) {
        audit.onStreamEvent(id + " NEW 0 web.example:80 SOURCE_ADDR=127.0.0.1:" + sourcePort + " PURPOSE=USER");
        audit.onStreamEvent(id + " SENTCONNECT " + circuit + " web.example:80");
        audit.onStreamEvent(id + " SUCCEEDED " + circuit + " 127.0.0.1:80");
    }

    @Test
    void mapsEachRelayedStreamToItsCircuit() {
        audit.upstreamOpened(SOCKS, local(50001), "key-a");
        audit.upstreamOpened(SOCKS, local(50002), "key-b");
        stream("1", 50001, "10");
        stream("2", 50002, "11");
        assertEquals("10", audit.circuitOf(local(50001)));
        assertEquals("11", audit.circuitOf(local(50002)));
        assertEquals(0, audit.violationCount());
    }

    @Test
    void streamsOfOneKeyMayShareACircuit() {
        audit.upstreamOpened(SOCKS, local(50001), "key-a");
        audit.upstreamOpened(SOCKS, local(50002), "key-a");
        stream("1", 50001, "10");
        stream("2", 50002, "10");
        assertEquals(0, audit.violationCount());
        assertEquals(2, audit.circuits().get(0).streams());
    }

    @Test
    void aViolationNamesTheAppAndKindOfIsolationStringsAndScrubsTheirDigests() {
        String shop = "si1:shop:thread+dest-addr:" + "0123456789abcdef".repeat(2);
        String mail = "si1:mail:app:" + "fedcba9876543210".repeat(2);
        audit.upstreamOpened(SOCKS, local(50001), shop);
        audit.upstreamOpened(SOCKS, local(50002), mail);
        stream("1", 50001, "10");
        stream("2", 50002, "10");
        String log = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("si1:shop:thread+dest-addr:[scrubbed]") && log.contains("si1:mail:app:[scrubbed]"),
                log);
        assertFalse(log.contains("0123456789abcdef") || log.contains("fedcba9876543210"), log);
    }

    @Test
    void aCircuitCarryingTwoKeysIsAViolationLoggedLoudlyAndScrubbed() {
        audit.upstreamOpened(SOCKS, local(50001), "key-a-0123456789abcdef");
        audit.upstreamOpened(SOCKS, local(50002), "key-b-0123456789abcdef");
        stream("1", 50001, "10");
        stream("2", 50002, "10");
        assertEquals(1, audit.violationCount());
        assertEquals(Set.of("key-a-0123456789abcdef", "key-b-0123456789abcdef"),
                audit.violations().get(0).isolationKeys());
        String log = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("ERROR ISOLATION VIOLATED: Tor circuit 10 carries streams of 2 different isolation"
                + " keys ([scrubbed], [scrubbed])"), log);
        assertFalse(log.contains("key-a"), log);
        // A third key on the same circuit is one more violation, not a repeat of the same log line for every event.
        audit.upstreamOpened(SOCKS, local(50003), "key-c");
        stream("3", 50003, "10");
        assertEquals(2, audit.violationCount());
    }

    @Test
    void ignoresStreamsThatAreNotOurs() {
        audit.upstreamOpened(SOCKS, local(50001), "key-a");
        stream("1", 50001, "10");
        audit.onStreamEvent("2 NEW 0 other.example:80 SOURCE_ADDR=127.0.0.1:60000 PURPOSE=USER");
        audit.onStreamEvent("2 SUCCEEDED 10 other.example:80");
        audit.onStreamEvent("3 NEW 0 dir:80 PURPOSE=DIR_FETCH");
        audit.onStreamEvent("3 SUCCEEDED 10 dir:80");
        assertEquals(0, audit.violationCount());
    }

    @Test
    void forgetsClosedStreamsAndCircuits() {
        audit.upstreamOpened(SOCKS, local(50001), "key-a");
        stream("1", 50001, "10");
        audit.onStreamEvent("1 CLOSED 10 web.example:80 REASON=DONE");
        audit.onCircuitEvent("10 CLOSED $A~a,$B~b,$C~exit REASON=FINISHED");
        audit.upstreamClosed(SOCKS, local(50001));
        assertNull(audit.circuitOf(local(50001)));
        assertEquals(0, audit.openTorStreams());
        assertTrue(audit.circuits().isEmpty());
    }

    @Test
    void recordsTheExitOfABuiltCircuit() {
        audit.upstreamOpened(SOCKS, local(50001), "key-a");
        stream("1", 50001, "10");
        audit.onCircuitEvent("10 BUILT $A~guard,$B~middle,$C~exit1 PURPOSE=GENERAL");
        assertEquals("$C~exit1", audit.circuits().get(0).exit());
    }

    @Test
    void knowsTheExitOfACircuitBuiltBeforeAStreamOfOursAttached() {
        audit.onCircuitEvent("7 BUILT $AAAA~guard,$BBBB~middle,$CCCC~exit1 BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL");
        audit.onCircuitEvent("8 BUILT $AAAA~guard,$DDDD~exit2 PURPOSE=GENERAL");
        audit.onCircuitEvent("8 CLOSED $AAAA~guard,$DDDD~exit2 REASON=FINISHED");
        audit.upstreamOpened(SOCKS, local(50001), "key-a");
        audit.upstreamOpened(SOCKS, local(50002), "key-b");
        stream("1", 50001, "7");
        stream("2", 50002, "8");
        assertEquals("7", audit.circuitsBySourceAddr().get("127.0.0.1:50001"));
        CircuitAudit.CircuitView seven = audit.circuits().stream().filter(c -> c.circuitId().equals("7")).findFirst()
                .orElseThrow();
        assertEquals("$CCCC~exit1", seven.exit());
        CircuitAudit.CircuitView eight = audit.circuits().stream().filter(c -> c.circuitId().equals("8")).findFirst()
                .orElseThrow();
        assertEquals("", eight.exit(), "a closed circuit's exit is forgotten");
    }
}
