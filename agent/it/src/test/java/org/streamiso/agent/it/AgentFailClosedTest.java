package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.testing.Canary;
import org.streamiso.testing.RecordingSocksServer;

/**
 * With the SocksPort down or refusing, every TCP path gives the application an IOException that names the
 * SocksPort, and the destination (a canary on loopback, not bypassed) receives nothing.
 */
class AgentFailClosedTest {
    static final List<String> PATHS = Clients.PATHS;
    static Canary canary;

    @BeforeAll
    static void start() throws Exception {
        canary = new Canary();
    }

    @AfterAll
    static void stop() throws Exception {
        canary.close();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("PATHS")
    void failsWithTheSocksPortNamedWhenTheProxyIsDown(String path) throws Exception {
        assumeTrue(!path.startsWith("virtual-thread") || ForkedJvm.feature() >= 21, "virtual threads need JDK 21+");
        int socksPort = Canary.deadPort();
        ForkedJvm.Result r = ForkedJvm.run("port=" + socksPort + ",bypass=none", List.of(), Clients.class, path,
                "127.0.0.1", Integer.toString(canary.port()));

        assertTrue(r.stdout().startsWith("EXC "), r.toString());
        assertTrue(r.stdout().contains("Tor SocksPort 127.0.0.1:" + socksPort + " refused the connection"), r.toString());
        assertTrue(r.stdout().contains("Is tor running with SocksPort " + socksPort + "?"), r.toString());
        assertEquals(0, canary.accepted(), "the canary must receive nothing");
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("PATHS")
    void failsByNameWithoutResolvingWhenTheProxyIsDown(String path) throws Exception {
        assumeTrue(!path.startsWith("virtual-thread") || ForkedJvm.feature() >= 21, "virtual threads need JDK 21+");
        int socksPort = Canary.deadPort();
        ForkedJvm.Result r = ForkedJvm.run("port=" + socksPort, List.of(), Clients.class, path,
                "down" + AgentRoutingTest.SUFFIX, "80");
        assertTrue(r.stdout().contains("Tor SocksPort 127.0.0.1:" + socksPort + " refused the connection"), r.toString());
    }

    @Test
    void failsClosedWithTheJdk17LegacySocketImplementation() throws Exception {
        assumeTrue(ForkedJvm.feature() == 17, "jdk.net.usePlainSocketImpl exists only in JDK 17");
        int socksPort = Canary.deadPort();
        for (String path : List.of("socket", "socket-no-proxy", "url-connection")) {
            ForkedJvm.Result r = ForkedJvm.run("port=" + socksPort + ",bypass=none",
                    List.of("-Djdk.net.usePlainSocketImpl=true"), Clients.class, path, "127.0.0.1",
                    Integer.toString(canary.port()));
            assertTrue(r.stdout().contains("Tor SocksPort 127.0.0.1:" + socksPort + " refused the connection"),
                    r.toString());
        }
        assertEquals(0, canary.accepted(), "the canary must receive nothing");
    }

    @Test
    void turnsTorsExtendedReplyIntoWordsAndDoesNotNameTheDestination() throws Exception {
        try (TestWebServer web = new TestWebServer();
                RecordingSocksServer socks = RecordingSocksServer.relaying(q -> new InetSocketAddress("127.0.0.1", web.port()))) {
            socks.answer(Socks5CommandStatus.ONION_DESCRIPTOR_NOT_FOUND);
            String onion = "vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion";
            ForkedJvm.Result r = ForkedJvm.run("port=" + socks.port(), List.of(), Clients.class, "socket", onion, "80");
            assertTrue(r.stdout().contains("could not connect to [scrubbed]:80: onion service descriptor not found "
                    + "(SOCKS reply 0xF0)"), r.toString());
            assertFalse(r.stdout().contains(onion) || r.stderr().contains(onion), "destinations are scrubbed: " + r);
        }
    }

    @Test
    void failsClosedWhenTheSocksPortIsNotSocks() throws Exception {
        // A server that greets in HTTP: a SocksPort setting that points at the wrong port.
        try (java.net.ServerSocket notSocks = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!notSocks.isClosed()) {
                    try (java.net.Socket s = notSocks.accept()) {
                        s.getOutputStream().write("HTTP/1.0 400 Bad Request\r\n\r\n".getBytes());
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            int port = notSocks.getLocalPort();
            for (String path : List.of("socket", "channel-non-blocking", "async-future")) {
                ForkedJvm.Result r = ForkedJvm.run("port=" + port + ",bypass=none", List.of(), Clients.class,
                        path, "127.0.0.1", Integer.toString(canary.port()));
                assertTrue(r.stdout().contains("Tor SocksPort 127.0.0.1:" + port + " is not a usable SOCKS5 server: "
                        + "it does not speak SOCKS5: version: 0x48 (expected: 0x05)"), r.toString());
                assertEquals(0, canary.accepted());
            }
        }
    }
}
