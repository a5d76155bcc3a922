package org.streamiso.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.streamiso.control.StreamEvent;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.JtorctlTorControl;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.proxy.relay.IsolationPolicy;
import org.streamiso.proxy.relay.ListenerConfig;
import org.streamiso.proxy.relay.ProxyServer;
import org.streamiso.proxy.relay.RelayConfig;
import org.streamiso.proxy.status.StatusCollector;
import org.streamiso.proxy.status.StatusServer;
import org.streamiso.proxy.status.StatusTable;
import org.streamiso.proxy.testing.Http;
import org.streamiso.proxy.testing.ItResources;
import org.streamiso.proxy.testing.SocksClient;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.testing.EchoServer;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworkExtension;
import org.streamiso.testnet.TorNetworks;

/**
 * The status endpoint and identity renewal on the private Tor network: the status of a relayed stream names the
 * circuit and exit that Tor's STREAM events name; after a per-key renewal, that key's next stream is on a new
 * circuit while another key keeps its own; after NEWNYM every key's next stream is on a new circuit.
 */
@ExtendWith(TorNetworkExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
// NEWNYM goes last: for a while after it Tor rebuilds its circuits, and a key's next stream was once seen on a fresh
// circuit instead of the key's own (CI, JDK 25), which the renewal tests take as a failure.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusIT {
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);
    private static final Socks5PasswordAuthRequest ALICE = new Socks5PasswordAuthRequest("alice", "a");
    private static final Socks5PasswordAuthRequest BOB = new Socks5PasswordAuthRequest("bob", "b");

    private final ItResources resources = new ItResources();
    private final Log log = resources.log();
    private final CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
    private ProxyServer proxy;
    private InetSocketAddress status;

    @AfterEach
    void closeEverything() throws Exception {
        resources.close();
    }

    /** proxy-core with audit and status endpoint, relaying to the network's third SocksPort. */
    private void startProxy(PrivateTorNetwork tor) throws IOException {
        TorMonitor monitor = resources.closing(new TorMonitor(() -> JtorctlTorControl.connect(tor.controlPort(), 10_000),
                () -> Files.readAllBytes(tor.cookieFile()), tor.controlPort().toString(), audit, log,
                Duration.ofSeconds(1)));
        monitor.connect();
        monitor.startFollowing();
        IsolationCredentials credentials = IsolationCredentials.random();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        proxy = resources.closing(ProxyServer.start(RelayConfig.of(List.of(new ListenerConfig(loopback, IsolationPolicy.CLIENT,
                null)), List.of(tor.socksPorts().get(2))), credentials, monitor, audit, log));
        Safelog safelog = new Safelog(false);
        status = resources.closing(StatusServer.start(loopback, new StatusCollector(proxy, credentials, monitor, safelog),
                credentials, monitor, safelog, log)).address();
    }

    private Socket stream(Socks5PasswordAuthRequest key, EchoServer destination) throws IOException {
        Socket socket = resources.closing(SocksClient.connect(proxy.listenAddresses().get(0), key,
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, TorNetworks.WEB_NAME, destination.port())));
        socket.setSoTimeout(30_000);
        assertEchoes(socket, "through Tor");
        return socket;
    }

    private static void assertEchoes(Socket socket, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(sent);
        assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
    }

    /** Waits until the audit mapped a stream of ours to {@code circuit} and knows its exit. */
    private CircuitAudit.CircuitView awaitAudited(String circuit) throws Exception {
        return audit.await(() -> audit.circuits().stream()
                .filter(c -> c.circuitId().equals(circuit) && !c.exit().isEmpty()).findFirst().orElse(null),
                EVENT_TIMEOUT);
    }

    @SuppressWarnings("unchecked")
    private static Object at(Object json, Object... path) {
        Object node = json;
        for (Object step : path) {
            node = step instanceof Integer i ? ((List<Object>) node).get(i) : ((Map<String, Object>) node).get(step);
        }
        return node;
    }

    @Test
    void theStatusOfARelayedStreamNamesTheCircuitAndExitThatTorReports(PrivateTorNetwork tor) throws Exception {
        startProxy(tor);
        try (StreamEvents events = StreamEvents.open(tor); EchoServer web = resources.closing(EchoServer.start())) {
            stream(ALICE, web);
            String circuit = events.awaitSucceeded(web.port(), EVENT_TIMEOUT).circuitId();
            CircuitAudit.CircuitView audited = awaitAudited(circuit);

            Http.Response response = Http.request(status, "GET", "/status");
            assertEquals(200, response.code(), response.body());
            assertTrue(!response.body().contains(TorNetworks.WEB_NAME) && !response.body().contains("alice"),
                    "a destination or key in clear: " + response.body());
            Object json = response.json();
            Object stream = at(json, "clients", 0, "keys", 0, "streams", 0);
            assertEquals("relaying", at(stream, "state"));
            assertEquals("[scrubbed]", at(stream, "destination"));
            assertEquals(circuit, at(stream, "circuit"), response.body());
            assertEquals(audited.exit(), at(stream, "exit"));
            assertTrue(((String) at(stream, "exit")).startsWith("$"), response.body());
            assertEquals((long) "through Tor".length(), at(stream, "bytesToClient"));
            assertEquals(true, at(json, "audit", "connected"));
            assertEquals(100L, at(json, "audit", "bootstrap"));
            assertEquals(0L, at(json, "audit", "violations"));
            assertTrue(((List<?>) at(json, "circuits")).stream().anyMatch(c -> circuit.equals(at(c, "id"))
                    && Boolean.FALSE.equals(at(c, "violated"))), response.body());

            String table = StatusTable.render(json);
            assertTrue(table.contains("Tor: ControlPort connected, bootstrapped 100%; isolation audit: no violation"),
                    table);
            assertTrue(table.matches("(?s).*\\n127\\.0\\.0\\.1 +\\[scrubbed] +0/0 +\\d+ +relaying +CONNECT"
                    + " +\\[scrubbed] .* " + circuit + " +\\$.*"), table);
        }
    }

    @Test
    void afterRenewingOneKeyItsNextStreamIsOnANewCircuitAndAnotherKeysIsNot(PrivateTorNetwork tor)
            throws Exception {
        startProxy(tor);
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer alice1 = resources.closing(EchoServer.start());
             EchoServer bob1 = resources.closing(EchoServer.start());
             EchoServer alice2 = resources.closing(EchoServer.start());
             EchoServer bob2 = resources.closing(EchoServer.start())) {
            Socket aliceFirst = stream(ALICE, alice1);
            stream(BOB, bob1);
            StreamEvent aliceFirstEvent = events.awaitSucceeded(alice1.port(), EVENT_TIMEOUT);
            StreamEvent bobFirstEvent = events.awaitSucceeded(bob1.port(), EVENT_TIMEOUT);
            String aliceBefore = aliceFirstEvent.circuitId();
            String bobBefore = bobFirstEvent.circuitId();
            assertNotEquals(aliceBefore, bobBefore, "two keys shared a circuit: " + events.events());

            Http.Response renewed = Http.request(status, "POST", "/renew?key=alice");
            assertEquals(200, renewed.code(), renewed.body());
            assertEquals(1L, at(renewed.json(), "epoch"));

            stream(ALICE, alice2);
            stream(BOB, bob2);
            StreamEvent aliceSecondEvent = events.awaitSucceeded(alice2.port(), EVENT_TIMEOUT);
            StreamEvent bobSecondEvent = events.awaitSucceeded(bob2.port(), EVENT_TIMEOUT);
            String aliceAfter = aliceSecondEvent.circuitId();
            String bobAfter = bobSecondEvent.circuitId();
            assertNotEquals(aliceBefore, aliceAfter, "alice's stream after renewal kept her old circuit: "
                    + events.events());
            assertNotEquals(bobBefore, aliceAfter, "alice's new identity shares bob's circuit: " + events.events());
            assertNotEquals(bobAfter, aliceAfter, "alice's new identity shares bob's circuit: " + events.events());
            // As in the test below: the credentials are proxy-core's decision, read from Tor's STREAM events; the
            // circuit among those the credentials allow is Tor's.
            assertNotEquals(isolation(aliceFirstEvent), isolation(aliceSecondEvent),
                    "alice's credentials did not change with her renewal: " + events.events());
            assertEquals(isolation(bobFirstEvent), isolation(bobSecondEvent),
                    "renewing alice changed bob's credentials: " + events.events());
            if (!bobBefore.equals(bobAfter)) {
                System.err.println("[StatusIT] Tor put bob's second stream, with the same credentials, on circuit "
                        + bobAfter + " instead of " + bobBefore);
            }
            assertEchoes(aliceFirst, "the stream opened before the renewal goes on");

            awaitAudited(aliceAfter);
            Object json = Http.request(status, "GET", "/status").json();
            Object aliceKey = at(json, "clients", 0, "keys", 0);
            assertEquals(1L, at(aliceKey, "epoch"));
            assertEquals(aliceBefore, at(aliceKey, "streams", 0, "circuit"));
            assertEquals(0L, at(aliceKey, "streams", 0, "epoch"));
            assertEquals(aliceAfter, at(aliceKey, "streams", 1, "circuit"));
            assertEquals(1L, at(aliceKey, "streams", 1, "epoch"));
            assertEquals(0, audit.violationCount());
        }
    }

    /**
     * The same for clients that speak the credential contract: renewing one isolation string moves only that
     * agent key to a new circuit, not another key of the same app and kind; the status groups both under their app
     * and kind with the circuits and exits Tor reports.
     */
    @Test
    void afterRenewingOneIsolationStringItsNextStreamIsOnANewCircuitAndAnotherStringsIsNot(PrivateTorNetwork tor)
            throws Exception {
        startProxy(tor);
        Socks5PasswordAuthRequest shopA = new IsolationString("shop", "thread", "a".repeat(32)).credentials();
        Socks5PasswordAuthRequest shopB = new IsolationString("shop", "thread", "b".repeat(32)).credentials();
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer a1 = resources.closing(EchoServer.start());
             EchoServer b1 = resources.closing(EchoServer.start());
             EchoServer a2 = resources.closing(EchoServer.start());
             EchoServer b2 = resources.closing(EchoServer.start())) {
            stream(shopA, a1);
            stream(shopB, b1);
            StreamEvent aFirst = events.awaitSucceeded(a1.port(), EVENT_TIMEOUT);
            StreamEvent bFirst = events.awaitSucceeded(b1.port(), EVENT_TIMEOUT);
            String aBefore = aFirst.circuitId();
            String bBefore = bFirst.circuitId();
            assertNotEquals(aBefore, bBefore, "two isolation strings shared a circuit: " + events.events());

            Http.Response renewed = Http.request(status, "POST", "/renew?key="
                    + URLEncoder.encode(shopA.password(), StandardCharsets.ISO_8859_1));
            assertEquals(200, renewed.code(), renewed.body());
            assertEquals("si1:shop:thread:[scrubbed]", at(renewed.json(), "key"));

            stream(shopA, a2);
            stream(shopB, b2);
            StreamEvent aSecond = events.awaitSucceeded(a2.port(), EVENT_TIMEOUT);
            StreamEvent bSecond = events.awaitSucceeded(b2.port(), EVENT_TIMEOUT);
            String aAfter = aSecond.circuitId();
            String bAfter = bSecond.circuitId();
            assertNotEquals(aBefore, aAfter, "the renewed string's stream kept its old circuit: " + events.events());
            assertNotEquals(bBefore, aAfter, "the renewed string shares another's circuit: " + events.events());
            assertNotEquals(bAfter, aAfter, "the renewed string shares another's circuit: " + events.events());
            // What proxy-core decides is the credentials Tor isolates by, read from Tor's own STREAM events: the
            // renewed string's changed, the other's stayed. Which circuit Tor then picks among those its isolation
            // allows is Tor's choice: it nearly always reuses the key's circuit, but in about one CI run of eight
            // it put the unchanged credentials on another clean circuit (events of 2026-12-02, StatusIT).
            assertNotEquals(isolation(aFirst), isolation(aSecond), "the renewed string kept its credentials: "
                    + events.events());
            assertEquals(isolation(bFirst), isolation(bSecond), "renewing one string changed another's credentials: "
                    + events.events());
            if (!bBefore.equals(bAfter)) {
                System.err.println("[StatusIT] Tor put the unrenewed string's second stream, with the same"
                        + " credentials, on circuit " + bAfter + " instead of " + bBefore);
            }

            CircuitAudit.CircuitView audited = awaitAudited(aAfter);
            awaitAudited(aBefore);
            Http.Response response = Http.request(status, "GET", "/status");
            assertFalse(response.body().contains("a".repeat(32)), response.body());
            Object json = response.json();
            assertEquals("shop", at(json, "apps", 0, "app"));
            assertEquals("thread", at(json, "apps", 0, "kinds", 0, "kind"));
            Object keyA = at(json, "apps", 0, "kinds", 0, "keys", 0);
            assertEquals("[scrubbed]", at(keyA, "key"));
            assertEquals(1L, at(keyA, "epoch"));
            assertEquals(2L, at(keyA, "openStreams"));
            assertEquals(aBefore, at(keyA, "circuits", 0, "id"), response.body());
            assertEquals(aAfter, at(keyA, "circuits", 1, "id"), response.body());
            assertEquals(audited.exit(), at(keyA, "circuits", 1, "exit"));
            Object keyB = at(json, "apps", 0, "kinds", 0, "keys", 1);
            if (bBefore.equals(bAfter)) {
                assertEquals(1, ((List<?>) at(keyB, "circuits")).size(), response.body());
                assertEquals(bBefore, at(keyB, "circuits", 0, "id"));
                assertEquals(2L, at(keyB, "circuits", 0, "streams"));
            } else {
                assertEquals(2, ((List<?>) at(keyB, "circuits")).size(), response.body());
                assertEquals(List.of(bBefore, bAfter), List.of(at(keyB, "circuits", 0, "id"),
                        at(keyB, "circuits", 1, "id")), response.body());
            }
            String table = StatusTable.render(json);
            assertTrue(table.matches("(?s).*\\nshop +thread +127\\.0\\.0\\.1 +\\[scrubbed] +1 +1 +" + aAfter
                    + " +\\$.*"), table);
            assertEquals(0, audit.violationCount());
        }
    }

    /** The isolation fields of a STREAM event that the credentials decide: username, password, NYM epoch. */
    private static List<String> isolation(StreamEvent event) {
        Map<String, String> k = event.keywords();
        return List.of(String.valueOf(k.get("SOCKS_USERNAME")), String.valueOf(k.get("SOCKS_PASSWORD")),
                String.valueOf(k.get("NYM_EPOCH")));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void afterNewnymEveryKeysNextStreamIsOnANewCircuit(PrivateTorNetwork tor) throws Exception {
        startProxy(tor);
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer before = resources.closing(EchoServer.start());
             EchoServer after = resources.closing(EchoServer.start())) {
            stream(BOB, before);
            String bobBefore = events.awaitSucceeded(before.port(), EVENT_TIMEOUT).circuitId();

            Http.Response newnym = Http.request(status, "POST", "/newnym");
            assertEquals(200, newnym.code(), newnym.body());

            stream(BOB, after);
            String bobAfter = events.awaitSucceeded(after.port(), EVENT_TIMEOUT).circuitId();
            assertNotNull(bobAfter);
            assertNotEquals(bobBefore, bobAfter, "NEWNYM left bob's next stream on his old circuit: "
                    + events.events());
        }
    }
}
