package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvent;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworks;

/**
 * On the private Tor network: every TCP path of an unmodified application under the agent reaches a web
 * server on loopback by a name that exists only inside Tor (MapAddress), so a local lookup would fail the
 * test; the ControlPort's STREAM events show the stream and its circuit.
 */
class AgentTorIT {
    static final List<String> PATHS = Clients.PATHS;
    static final Duration STREAM_WAIT = Duration.ofSeconds(60);

    static PrivateTorNetwork tor;
    static StreamEvents events;

    @BeforeAll
    static void start() throws Exception {
        tor = TorNetworks.shared();
        events = StreamEvents.open(tor);
    }

    @AfterAll
    static void stop() throws Exception {
        if (events != null) {
            events.close();
        }
    }

    private static int socksPort(int i) {
        return tor.socksPorts().get(i).getPort();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("PATHS")
    void reachesATorOnlyNameThroughTor(String path) throws Exception {
        assumeTrue(!path.startsWith("virtual-thread") || ForkedJvm.feature() >= 21, "virtual threads need JDK 21+");
        try (TestWebServer web = new TestWebServer()) {
            ForkedJvm.Result r = ForkedJvm.run("port=" + socksPort(0), List.of(), Clients.class, path,
                    TorNetworks.WEB_NAME, Integer.toString(web.port()));
            assertTrue(r.stdout().startsWith("OK HTTP") && r.stdout().contains(TestWebServer.GREETING + ": /" + path),
                    r.toString());
            StreamEvent stream = events.awaitSucceeded(web.port(), STREAM_WAIT);
            assertTrue(!stream.circuitId().isEmpty() && !stream.circuitId().equals("0"), stream.toString());
        }
    }

    @Test
    void reachesATorOnlyNameWithTheJdk17LegacySocketImplementation() throws Exception {
        assumeTrue(ForkedJvm.feature() == 17, "jdk.net.usePlainSocketImpl exists only in JDK 17");
        try (TestWebServer web = new TestWebServer()) {
            ForkedJvm.Result r = ForkedJvm.run("port=" + socksPort(0), List.of("-Djdk.net.usePlainSocketImpl=true"),
                    Clients.class, "url-connection", TorNetworks.WEB_NAME, Integer.toString(web.port()));
            assertTrue(r.stdout().startsWith("OK HTTP"), r.toString());
            events.awaitSucceeded(web.port(), STREAM_WAIT);
        }
    }

    @Test
    void twoApplicationsOnTwoSocksPortsUseTwoCircuits() throws Exception {
        try (TestWebServer a = new TestWebServer(); TestWebServer b = new TestWebServer()) {
            ForkedJvm.Result ra = ForkedJvm.run("port=" + socksPort(1), List.of(), Clients.class, "socket",
                    TorNetworks.WEB_NAME, Integer.toString(a.port()));
            ForkedJvm.Result rb = ForkedJvm.run("port=" + socksPort(2), List.of(), Clients.class, "http-client-sync",
                    TorNetworks.API_NAME, Integer.toString(b.port()));
            assertTrue(ra.stdout().startsWith("OK HTTP"), ra.toString());
            assertTrue(rb.stdout().startsWith("OK HTTP"), rb.toString());
            String circuitA = events.awaitSucceeded(a.port(), STREAM_WAIT).circuitId();
            String circuitB = events.awaitSucceeded(b.port(), STREAM_WAIT).circuitId();
            assertNotEquals(circuitA, circuitB, "applications on different SocksPorts must not share a circuit");
        }
    }

    @Test
    void aNameThatExistsNowhereFailsInPlainWords() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run("port=" + socksPort(0), List.of(), Clients.class, "socket",
                TorNetworks.UNKNOWN_NAME, "80");
        assertTrue(r.stdout().startsWith("EXC java.net.ConnectException: Tor SocksPort 127.0.0.1:" + socksPort(0)
                + " could not connect to [scrubbed]:80: host unreachable (SOCKS reply 0x04)"), r.toString());
        assertEquals(0, r.exitCode());
    }
}
