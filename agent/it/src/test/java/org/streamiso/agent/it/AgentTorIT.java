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
import org.streamiso.control.StreamEvent;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworks;

/**
 * On the private Tor network: every TCP path of an unmodified application under the agent reaches a web
 * server on loopback by a name that exists only inside Tor (MapAddress), so a local lookup would fail the
 * test; the ControlPort's STREAM events show the stream and its circuit. The same paths pass with the agent
 * pointed at proxy-core, which relays to Tor.
 */
class AgentTorIT {
    static final List<String> PATHS = Clients.PATHS;
    static final Duration STREAM_WAIT = Duration.ofSeconds(60);

    static PrivateTorNetwork tor;
    static StreamEvents events;
    static ProxyCoreProcess proxyCore;
    static int proxyCorePort;

    @BeforeAll
    static void start() throws Exception {
        tor = TorNetworks.shared();
        events = StreamEvents.open(tor);
        proxyCore = new ProxyCoreProcess("--tor-socks", "127.0.0.1:" + socksPort(3), "--tor-control", "127.0.0.1:"
                + tor.controlPort().getPort(), "--tor-cookie", tor.cookieFile().toString());
        proxyCorePort = proxyCore.port();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxyCore != null) {
            proxyCore.close();
        }
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
        reachesATorOnlyName(path, socksPort(0));
    }

    /** The agent pointed at proxy-core, which relays to Tor, passes the same test as the agent pointed at Tor. */
    @ParameterizedTest(name = "{0}")
    @FieldSource("PATHS")
    void reachesATorOnlyNameThroughProxyCore(String path) throws Exception {
        reachesATorOnlyName(path, proxyCorePort);
    }

    private static void reachesATorOnlyName(String path, int port) throws Exception {
        assumeTrue(!path.startsWith("virtual-thread") || ForkedJvm.feature() >= 21, "virtual threads need JDK 21+");
        try (TestWebServer web = new TestWebServer()) {
            ForkedJvm.Result r = ForkedJvm.run("port=" + port, List.of(), Clients.class, path,
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

    /**
     * A name only Tor knows resolves through Tor (RESOLVE, or a placeholder under dns=mapped), and the connect to
     * the answer reaches the web server through a circuit; directly, the answer would be the web server itself
     * (loopback, bypassed), so the STREAM event is what shows the name went to Tor.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"dns=remote,port=TOR", "dns=mapped,port=TOR",
            "dns=remote,port=PROXY", "dns=mapped,port=PROXY"})
    void resolvesATorOnlyNameAndConnectsToTheAnswerByName(String args) throws Exception {
        String agentArgs = args.replace("TOR", Integer.toString(socksPort(0)))
                .replace("PROXY", Integer.toString(proxyCorePort));
        try (TestWebServer web = new TestWebServer()) {
            ForkedJvm.Result r = ForkedJvm.run(agentArgs, List.of(), DnsUdpClients.class, "connect-resolved",
                    TorNetworks.WEB_NAME, Integer.toString(web.port()), "127.0.0.1");
            String answer = args.startsWith("dns=remote") ? TorNetworks.WEB_NAME + "/127.0.0.1"
                    : TorNetworks.WEB_NAME + "/240.";
            assertTrue(r.stdout().startsWith("OK HTTP/1.1 200 OK | " + answer), r.toString());
            StreamEvent stream = events.awaitSucceeded(web.port(), STREAM_WAIT);
            assertTrue(!stream.circuitId().isEmpty() && !stream.circuitId().equals("0"), stream.toString());
        }
    }

    @Test
    void aLookupOfANameThatExistsNowhereGivesUnknownHostException() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run("port=" + socksPort(0), List.of(), DnsUdpClients.class, "get-by-name",
                TorNetworks.UNKNOWN_NAME, "80", "127.0.0.1");
        assertTrue(r.stdout().startsWith("EXC java.net.UnknownHostException: streamiso could not look up [scrubbed] "
                + "through Tor: Tor SocksPort 127.0.0.1:" + socksPort(0) + " answered "), r.toString());
        ForkedJvm.Result proxied = ForkedJvm.run("port=" + proxyCorePort, List.of(), DnsUdpClients.class,
                "get-by-name", TorNetworks.UNKNOWN_NAME, "80", "127.0.0.1");
        assertTrue(proxied.stdout().startsWith("EXC java.net.UnknownHostException: streamiso could not look up "
                + "[scrubbed] through Tor"), proxied.toString());
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
