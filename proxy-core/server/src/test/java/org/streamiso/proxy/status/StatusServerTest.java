package org.streamiso.proxy.status;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.streamiso.proxy.testing.RelayFixture.ALICE;
import static org.streamiso.proxy.testing.RelayFixture.BOB;
import static org.streamiso.proxy.testing.RelayFixture.LOOPBACK_ANY_PORT;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorControl;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.proxy.relay.IsolationPolicy;
import org.streamiso.proxy.relay.ListenerConfig;
import org.streamiso.proxy.relay.ProxyServer;
import org.streamiso.proxy.relay.RelayConfig;
import org.streamiso.proxy.relay.StreamGate;
import org.streamiso.proxy.relay.StreamObserver;
import org.streamiso.proxy.testing.Http;
import org.streamiso.proxy.testing.RelayFixture;
import org.streamiso.proxy.testing.SocksClient;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The status endpoint against the relay and an in-process stand-in for Tor's SocksPort: the JSON, scrubbing,
 * per-key renewal, NEWNYM through the mocked ControlPort seam, and the loopback-only guards. All on 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusServerTest {
    private RelayFixture relay;
    private Log log;
    private IsolationCredentials credentials;
    private RecordingSocksServer tor;
    private ProxyServer proxy;

    @BeforeEach
    void startRelay() throws IOException {
        relay = RelayFixture.start();
        log = relay.log();
        credentials = relay.credentials();
        tor = relay.tor();
        proxy = relay.proxy();
    }

    @AfterEach
    void closeEverything() throws Exception {
        relay.close();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        return relay.closing(closeable);
    }

    private InetSocketAddress statusServer(Safelog safelog, TorMonitor monitor) throws IOException {
        return closing(StatusServer.start(LOOPBACK_ANY_PORT, new StatusCollector(proxy, credentials, monitor, safelog),
                credentials, monitor, safelog, log)).address();
    }

    /** A stream through {@link #proxy}, which a test may replace with a relay of its own. */
    private Socket stream(Socks5PasswordAuthRequest key, String name, int port) throws IOException {
        return relay.stream(proxy.listenAddresses().get(0), key, name, port);
    }

    private static void assertEchoes(Socket socket, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(sent);
        assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object json, Object... path) {
        Object node = json;
        for (Object step : path) {
            node = step instanceof Integer i ? ((List<Object>) node).get(i) : ((Map<String, Object>) node).get(step);
        }
        return (T) node;
    }

    @Test
    void servesClientsKeysStreamsBytesAndSocksPortsWithDestinationsAndKeysScrubbed() throws Exception {
        InetSocketAddress status = statusServer(new Safelog(false), null);
        Socket alice = stream(ALICE, "secret.example", 443);
        assertEchoes(alice, "hello");

        Http.Response response = Http.request(status, "GET", "/status");
        assertEquals(200, response.code(), response.body());
        assertFalse(response.body().contains("alice"), response.body());
        assertFalse(response.body().contains("secret.example"), response.body());
        Object json = response.json();
        assertEquals("127.0.0.1", at(json, "clients", 0, "address"));
        assertEquals(Safelog.SCRUBBED, at(json, "clients", 0, "keys", 0, "key"));
        Map<String, Object> stream = at(json, "clients", 0, "keys", 0, "streams", 0);
        assertEquals(Safelog.SCRUBBED, stream.get("destination"));
        assertEquals("CONNECT", stream.get("command"));
        assertEquals("relaying", stream.get("state"));
        assertEquals("client", stream.get("isolation"));
        assertEquals(5L, stream.get("bytesToClient"));
        assertTrue((Long) stream.get("bytesFromClient") > 5, stream.toString());
        assertEquals("127.0.0.1:" + tor.address().getPort(), stream.get("torSocksPort"));
        assertEquals(null, stream.get("circuit"), "no ControlPort, no circuit");
        assertEquals(1L, (Object) at(json, "totals", "relayed"));
        assertEquals(1L, (Object) at(json, "totals", "open"));
        assertEquals(true, at(json, "torSocksPorts", 0, "up"));
        assertEquals(false, at(json, "audit", "on"));
    }

    /** The credentials a streamiso agent sends: {@code <torS0X>0} and an isolation string of 32 {@code hex}. */
    private static Socks5PasswordAuthRequest agent(String app, String kind, String hex) {
        return new IsolationString(app, kind, hex.repeat(32)).credentials();
    }

    /** Tells the audit, as Tor's STREAM events would, that the stream Tor recorded last went on {@code circuit}. */
    private static void attach(CircuitAudit audit, RecordingSocksServer.Recorded stream, String id, String circuit) {
        String source = "127.0.0.1:" + stream.source().getPort();
        audit.onStreamEvent(id + " NEW 0 web.example:80 SOURCE_ADDR=" + source + " PURPOSE=USER");
        audit.onStreamEvent(id + " SUCCEEDED " + circuit + " 127.0.0.1:80");
    }

    @Test
    void groupsKeysByAppAndIsolationKindWithTheCircuitsAndExitsOfTheirStreams() throws Exception {
        TorControl control = mock(TorControl.class);
        when(control.getInfo(any())).thenReturn("NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"");
        CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
        TorMonitor monitor = closing(new TorMonitor(() -> control, () -> new byte[32], "127.0.0.1:9051", audit, log,
                Duration.ofMillis(10)));
        monitor.connect();
        proxy = closing(ProxyServer.start(RelayConfig.of(List.of(new ListenerConfig(LOOPBACK_ANY_PORT,
                IsolationPolicy.CLIENT, null)), List.of(tor.address())), credentials, StreamGate.OPEN, audit, log));
        InetSocketAddress status = statusServer(new Safelog(false), monitor);
        for (String circuit : List.of("10", "11", "12", "13")) {
            audit.onCircuitEvent(circuit + " BUILT $AAAA~guard,$EEEE" + circuit + "~exit" + circuit);
        }
        Socks5PasswordAuthRequest shopA = agent("shop", "thread", "a");
        stream(shopA, "a.example", 80);
        attach(audit, tor.nextRecorded(), "1", "10");
        stream(shopA, "b.example", 80);
        attach(audit, tor.nextRecorded(), "2", "11");
        stream(shopA, "c.example", 80);
        attach(audit, tor.nextRecorded(), "3", "10");
        stream(agent("shop", "thread", "b"), "a.example", 80);
        attach(audit, tor.nextRecorded(), "4", "12");
        stream(agent("mail", "app", "c"), "a.example", 80);
        attach(audit, tor.nextRecorded(), "5", "13");
        stream(ALICE, "a.example", 80);
        tor.nextRecorded(); // no STREAM event: its circuit is not known
        stream(null, "a.example", 80);
        tor.nextRecorded();
        try (Socket refused = new Socket()) {
            refused.connect(proxy.listenAddresses().get(0), Http.TIMEOUT_MILLIS);
            refused.getOutputStream().write(new byte[] {5, 1, 2});
            refused.getOutputStream().write(org.streamiso.socks.Socks5Codec.encode(
                    new Socks5PasswordAuthRequest("<torS0X>1obj", "x")));
            assertArrayEquals(new byte[] {5, 2, 1, 1}, refused.getInputStream().readNBytes(4));
        }

        Http.Response response = Http.request(status, "GET", "/status");
        assertFalse(response.body().contains("a".repeat(32)) || response.body().contains("<torS0X>1obj"),
                response.body());
        Object json = response.json();
        List<Map<String, Object>> apps = at(json, "apps");
        assertEquals(List.of("legacy", "mail", "no-key", "shop", "unknown"),
                apps.stream().map(a -> a.get("app")).toList(), response.body());
        Map<String, Object> shop = apps.get(3);
        assertEquals("thread", at(shop, "kinds", 0, "kind"));
        List<Map<String, Object>> shopKeys = at(shop, "kinds", 0, "keys");
        assertEquals(2, shopKeys.size(), "two isolation strings of one app and kind are two keys");
        Map<String, Object> first = shopKeys.get(0);
        assertEquals(Safelog.SCRUBBED, first.get("key"));
        assertEquals("127.0.0.1", first.get("client"));
        assertEquals(3L, first.get("openStreams"));
        assertEquals(List.of(Map.of("id", "10", "exit", "$EEEE10~exit10", "streams", 2L),
                Map.of("id", "11", "exit", "$EEEE11~exit11", "streams", 1L)), withoutBytes(first.get("circuits")));
        assertEquals(List.of(Map.of("id", "12", "exit", "$EEEE12~exit12", "streams", 1L)),
                withoutBytes(shopKeys.get(1).get("circuits")));
        List<Map<String, Object>> firstCircuits = at(first, "circuits");
        assertEquals((long) first.get("bytesFromClient"), firstCircuits.stream()
                .mapToLong(c -> (Long) c.get("bytesFromClient")).sum(), "a key's bytes are its circuits' bytes");
        assertTrue((Long) first.get("bytesFromClient") > 0, first.toString());
        assertNotEquals(first.get("ref"), shopKeys.get(1).get("ref"), "two keys, two refs");
        assertTrue(((String) first.get("ref")).matches("[0-9a-f]{16}"), first.toString());
        assertEquals("app", at(apps.get(1), "kinds", 0, "kind"));
        assertEquals("socks-auth", at(apps.get(0), "kinds", 0, "kind"));
        assertEquals(List.of(), at(apps.get(0), "kinds", 0, "keys", 0, "circuits"), "circuit not known yet");
        assertEquals(1L, (Object) at(apps.get(0), "kinds", 0, "keys", 0, "openStreams"));
        assertEquals((Object) null, at(apps.get(2), "kinds", 0, "keys", 0, "key"));
        assertEquals("none", at(apps.get(2), "kinds", 0, "kind"));
        Map<String, Object> unsupported = at(apps.get(4), "kinds", 0);
        assertEquals("unsupported-format", unsupported.get("kind"));
        assertEquals(0L, (Object) at(unsupported, "keys", 0, "openStreams"));
        assertEquals(1L, (Object) at(unsupported, "keys", 0, "refusedByProxy"));
        Map<String, Object> clientKey = at(json, "clients", 0, "keys", 0);
        assertEquals("shop", clientKey.get("app"));
        assertEquals("thread", clientKey.get("kind"));

        String table = StatusTable.render(json);
        assertTrue(table.contains("\nAPP      KIND                CLIENT     KEY         EPOCH  STREAMS  CIRCUIT  EXIT\n"
                + "legacy   socks-auth          127.0.0.1  [scrubbed]  0      1        -        -\n"
                + "mail     app                 127.0.0.1  [scrubbed]  0      1        13       $EEEE13~exit13\n"
                + "no-key   none                127.0.0.1  (none)      0      1        -        -\n"
                + "shop     thread              127.0.0.1  [scrubbed]  0      2        10       $EEEE10~exit10\n"
                + "shop     thread              127.0.0.1  [scrubbed]  0      1        11       $EEEE11~exit11\n"
                + "shop     thread              127.0.0.1  [scrubbed]  0      1        12       $EEEE12~exit12\n"
                + "unknown  unsupported-format  127.0.0.1  [scrubbed]  0      0        -        -\n"), table);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> withoutBytes(Object circuits) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> circuit : (List<Map<String, Object>>) circuits) {
            Map<String, Object> copy = new java.util.HashMap<>(circuit);
            copy.remove("bytesFromClient");
            copy.remove("bytesToClient");
            out.add(copy);
        }
        return out;
    }

    private void refusedRequest(Socks5PasswordAuthRequest key, String name) throws IOException {
        try (SocksClient.Result r = SocksClient.request(proxy.listenAddresses().get(0), key,
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, name, 80))) {
            assertEquals(Socks5CommandStatus.HOST_UNREACHABLE, r.response().status());
        }
    }

    @Test
    void countsRefusalsPerKeyAsWellAsInTotalAndShowsKeysWhoseStreamsAreAllClosed() throws Exception {
        tor.replies(request -> Socks5CommandResponse.of("refused.example".equals(request.dstAddr())
                ? Socks5CommandStatus.HOST_UNREACHABLE : Socks5CommandStatus.SUCCESS));
        InetSocketAddress status = statusServer(new Safelog(true), null);
        refusedRequest(ALICE, "refused.example");
        refusedRequest(ALICE, "refused.example");
        refusedRequest(null, "refused.example");
        Socket bob = stream(BOB, "open.example", 80);
        assertEchoes(bob, "bob is fine");

        Object json = Http.request(status, "GET", "/status").json();
        assertEquals(3L, (Object) at(json, "totals", "refusedByTor"));
        List<Map<String, Object>> keys = at(json, "clients", 0, "keys");
        Map<Object, Map<String, Object>> byKey = new java.util.HashMap<>();
        for (Map<String, Object> key : keys) {
            byKey.put(key.get("key"), key);
        }
        assertEquals(3, byKey.size(), keys.toString());
        assertEquals(2L, byKey.get("alice").get("refusedByTor"));
        assertEquals(0L, byKey.get("alice").get("refusedByProxy"));
        assertEquals(List.of(), byKey.get("alice").get("streams"), "alice has no open stream, yet shows");
        assertEquals(1L, byKey.get(null).get("refusedByTor"), "the clients without credentials are one key");
        assertEquals(0L, byKey.get("bob").get("refusedByTor"));

        String table = StatusTable.render(json);
        assertTrue(table.contains("CLIENT     KEY     REFUSED-BY-TOR  REFUSED-BY-PROXY"), table);
        assertTrue(table.contains("127.0.0.1  alice   2               0"), table);
        assertTrue(table.contains("127.0.0.1  (none)  1               0"), table);
        String refusalsTable = table.substring(table.indexOf("REFUSED-BY-TOR"));
        assertFalse(refusalsTable.substring(0, refusalsTable.indexOf("\n\n")).contains("bob"), table);
    }

    @Test
    void refusalsByKeyAreScrubbedLikeEveryKey() throws Exception {
        tor.replies(request -> Socks5CommandResponse.of(Socks5CommandStatus.HOST_UNREACHABLE));
        InetSocketAddress status = statusServer(new Safelog(false), null);
        refusedRequest(ALICE, "refused.example");

        Http.Response response = Http.request(status, "GET", "/status");
        assertFalse(response.body().contains("alice"), response.body());
        Map<String, Object> key = at(response.json(), "clients", 0, "keys", 0);
        assertEquals(Safelog.SCRUBBED, key.get("key"));
        assertEquals(1L, key.get("refusedByTor"));
        assertTrue(StatusTable.render(response.json()).contains("127.0.0.1  [scrubbed]  1"),
                StatusTable.render(response.json()));
    }

    @Test
    void unsafeLoggingShowsDestinationsAndKeysAndHostileNamesStayValidJson() throws Exception {
        InetSocketAddress status = statusServer(new Safelog(true), null);
        String hostile = "evil\"\\\n\u0000\u001b[2J.example";
        Socket alice = stream(new Socks5PasswordAuthRequest("al\"ice\n", "a"), hostile, 80);
        assertEchoes(alice, "x");

        Object json = Http.request(status, "GET", "/status").json();
        assertEquals("al\"ice\n", at(json, "clients", 0, "keys", 0, "key"));
        assertEquals(hostile + ":80", at(json, "clients", 0, "keys", 0, "streams", 0, "destination"));

        String table = StatusTable.render(json);
        assertTrue(table.contains("evil\"\\\\x0a\\x00\\x1b[2J.example:80"), table);
        assertFalse(table.contains("\u001b"), "a destination must not reach the terminal's escape sequences");
    }

    @Test
    void renewingOneKeyGivesItsNewStreamsNewCredentialsAndLeavesOpenStreamsAndOtherKeysAlone() throws Exception {
        InetSocketAddress status = statusServer(new Safelog(false), null);
        Socket alice1 = stream(ALICE, "a.example", 80);
        String alice1Credentials = tor.nextRecorded().credentials().password();
        stream(BOB, "b.example", 80);
        String bob1Credentials = tor.nextRecorded().credentials().password();

        Http.Response renewed = Http.request(status, "POST", "/renew?key=alice");
        assertEquals(200, renewed.code(), renewed.body());
        assertEquals(Map.of("key", Safelog.SCRUBBED, "epoch", 1L), renewed.json());
        assertTrue(relay.logText().contains("Renewed the identity of client key [scrubbed]"
                + " (epoch 1): its new streams get new circuits; its open streams and other keys keep theirs."));

        Socket alice2 = stream(ALICE, "a.example", 80);
        String alice2Credentials = tor.nextRecorded().credentials().password();
        stream(BOB, "b.example", 80);
        String bob2Credentials = tor.nextRecorded().credentials().password();
        assertNotEquals(alice1Credentials, alice2Credentials, "alice's new stream kept the old credentials");
        assertEquals(bob1Credentials, bob2Credentials, "renewing alice changed bob's credentials");
        assertEchoes(alice1, "the old stream goes on");
        assertEchoes(alice2, "and so does the new one");

        Object json = Http.request(status, "GET", "/status").json();
        List<Map<String, Object>> keys = at(json, "clients", 0, "keys");
        assertEquals(2, keys.size(), keys.toString());
        Map<String, Object> aliceKey = keys.get(0);
        assertEquals(1L, aliceKey.get("epoch"));
        assertEquals(0L, (Object) at(aliceKey, "streams", 0, "epoch"));
        assertEquals(1L, (Object) at(aliceKey, "streams", 1, "epoch"));
        assertEquals(0L, keys.get(1).get("epoch"));
    }

    @Test
    void renewingAnIsolationStringGivesThatAgentKeyNewCredentialsAndLeavesItsAppsOtherKeysAndUsernamesAlone()
            throws Exception {
        InetSocketAddress status = statusServer(new Safelog(false), null);
        Socks5PasswordAuthRequest shopA = agent("shop", "thread", "a");
        Socks5PasswordAuthRequest shopB = agent("shop", "thread", "b");
        List<Socks5PasswordAuthRequest> keys = List.of(shopA, shopB, ALICE);
        List<String> before = new ArrayList<>();
        for (Socks5PasswordAuthRequest key : keys) {
            stream(key, "a.example", 80);
            before.add(tor.nextRecorded().credentials().password());
        }

        Http.Response renewed = Http.request(status, "POST", "/renew?key="
                + java.net.URLEncoder.encode(shopA.password(), StandardCharsets.ISO_8859_1));
        assertEquals(200, renewed.code(), renewed.body());
        assertEquals(Map.of("key", "si1:shop:thread:[scrubbed]", "epoch", 1L), renewed.json());
        assertTrue(relay.logText().contains("Renewed the identity of client key"
                + " si1:shop:thread:[scrubbed] (epoch 1): its new streams get new circuits; its open streams and other"
                + " keys keep theirs."));
        assertFalse(relay.logText().contains("a".repeat(32)));

        List<String> after = new ArrayList<>();
        for (Socks5PasswordAuthRequest key : keys) {
            stream(key, "a.example", 80);
            after.add(tor.nextRecorded().credentials().password());
        }
        assertNotEquals(before.get(0), after.get(0), "the renewed isolation string kept its credentials");
        assertTrue(after.get(0).startsWith("si1:shop:thread:"), after.get(0));
        assertEquals(before.get(1), after.get(1), "renewing one key of an app changed another of the same app");
        assertEquals(before.get(2), after.get(2), "renewing an isolation string changed a username's");
        assertEquals(1, credentials.epoch(shopA.password()));
        assertEquals(0, credentials.epoch(IsolationString.USERNAME), "renewal is per isolation string, not per"
                + " the username every agent sends");

        Object json = Http.request(status, "GET", "/status").json();
        assertEquals("legacy", at(json, "apps", 0, "app"));
        assertEquals("shop", at(json, "apps", 1, "app"));
        List<Map<String, Object>> shopKeys = at(json, "apps", 1, "kinds", 0, "keys");
        assertEquals(1L, shopKeys.get(0).get("epoch"));
        assertEquals(0L, shopKeys.get(1).get("epoch"));
    }

    @Test
    void renewingTheClientsWithoutCredentialsGivesTheirNewStreamsNewCredentialsAndLeavesKeysAlone()
            throws Exception {
        InetSocketAddress status = statusServer(new Safelog(false), null);
        Socket anonymous1 = stream(null, "a.example", 80);
        String anonymous1Credentials = tor.nextRecorded().credentials().password();
        stream(ALICE, "a.example", 80);
        String alice1Credentials = tor.nextRecorded().credentials().password();

        Http.Response renewed = Http.request(status, "POST", "/renew?no-key");
        assertEquals(200, renewed.code(), renewed.body());
        Map<String, Object> answer = new java.util.HashMap<>();
        answer.put("key", null);
        answer.put("epoch", 1L);
        assertEquals(answer, renewed.json());
        assertTrue(relay.logText().contains("Renewed the identity of the clients that send"
                + " no credentials (epoch 1): their new streams get new circuits; their open streams and every key"
                + " keep theirs."));

        Socket anonymous2 = stream(null, "a.example", 80);
        String anonymous2Credentials = tor.nextRecorded().credentials().password();
        stream(ALICE, "a.example", 80);
        String alice2Credentials = tor.nextRecorded().credentials().password();
        assertNotEquals(anonymous1Credentials, anonymous2Credentials, "the new stream kept the old credentials");
        assertEquals(alice1Credentials, alice2Credentials, "renewing no-key changed alice's credentials");
        assertEchoes(anonymous1, "the old stream goes on");
        assertEchoes(anonymous2, "and so does the new one");

        Object json = Http.request(status, "GET", "/status").json();
        Map<String, Object> noKey = at(json, "clients", 0, "keys", 0);
        assertEquals(null, noKey.get("key"));
        assertEquals(1L, noKey.get("epoch"));
        assertEquals(0L, (Object) at(noKey, "streams", 0, "epoch"));
        assertEquals(1L, (Object) at(noKey, "streams", 1, "epoch"));

        Http.Response both = Http.request(status, "POST", "/renew?no-key&key=alice");
        assertEquals(400, both.code(), both.body());
        assertEquals(1, credentials.epoch(null));
        assertEquals(0, credentials.epoch("alice"));
    }

    @Test
    void newnymSignalsTorThroughTheControlPort() throws Exception {
        TorControl control = mock(TorControl.class);
        when(control.getInfo(any())).thenReturn("NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"");
        TorMonitor monitor = closing(new TorMonitor(() -> control, () -> new byte[32], "127.0.0.1:9051",
                new CircuitAudit(log, new Safelog(false)), log, Duration.ofMillis(10)));
        monitor.connect();
        InetSocketAddress status = statusServer(new Safelog(false), monitor);

        Http.Response response = Http.request(status, "POST", "/newnym");
        assertEquals(200, response.code(), response.body());
        verify(control).signal("NEWNYM");
        Object json = Http.request(status, "GET", "/status").json();
        assertEquals(true, at(json, "audit", "on"));
        assertEquals(true, at(json, "audit", "connected"));
        assertEquals(100L, (Object) at(json, "audit", "bootstrap"));
    }

    @Test
    void newnymWithoutAControlPortSaysWhatToDo() throws Exception {
        Http.Response response = Http.request(statusServer(new Safelog(false), null), "POST", "/newnym");
        assertEquals(503, response.code());
        assertEquals(Map.of("error", "proxy-core follows no ControlPort, so SIGNAL NEWNYM was not sent and nothing"
                + " changed. Start proxy-core with --tor-control and --tor-cookie."), response.json());
    }

    @Test
    void refusesForeignHostsWebPagesWrongMethodsAndMissingKeys() throws Exception {
        TorControl control = mock(TorControl.class);
        when(control.getInfo(any())).thenReturn("NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"");
        TorMonitor monitor = closing(new TorMonitor(() -> control, () -> new byte[32], "127.0.0.1:9051",
                new CircuitAudit(log, new Safelog(false)), log, Duration.ofMillis(10)));
        monitor.connect();
        InetSocketAddress status = statusServer(new Safelog(false), monitor);
        int port = status.getPort();

        Http.Response rebound = Http.request(status, "POST", "/newnym", Map.of("Host", "evil.example:" + port));
        assertEquals(403, rebound.code());
        assertEquals("Host: \"evil.example:" + port + "\" (expected: 127.0.0.1:" + port + ", [::1]:" + port
                + " or localhost:" + port + ")", at(rebound.json(), "error"));

        Http.Response fromPage = Http.request(status, "POST", "/newnym", Map.of("Host", "localhost:" + port,
                "Origin", "http://evil.example"));
        assertEquals(403, fromPage.code());
        assertEquals("Origin: \"http://evil.example\" (expected: none; POST from the live page only, whose origin is"
                + " http://127.0.0.1:" + port + "; the status endpoint does not answer other web pages)",
                at(fromPage.json(), "error"));
        verify(control, never()).signal(any());

        Http.Response get = Http.request(status, "GET", "/renew?key=alice");
        assertEquals(405, get.code());
        assertEquals("method: GET (expected: POST for /renew)", at(get.json(), "error"));
        assertEquals(0, credentials.epoch("alice"));

        Http.Response noKey = Http.request(status, "POST", "/renew");
        assertEquals(400, noKey.code());
        assertEquals("key: nothing (expected: the client's key, 1-255 characters: the password of a client whose"
                + " SOCKS username is <torS0X>0, its isolation string, e.g. POST /renew?key=si1%3Ashop%3Athread%3A0123...,"
                + " or the SOCKS username of any other, e.g. POST /renew?key=alice; or POST /renew?no-key for the"
                + " clients that send no credentials)", at(noKey.json(), "error"));

        Http.Response unknown = Http.request(status, "GET", "/index.html");
        assertEquals(404, unknown.code());
        assertEquals("path: \"/index.html\" (expected: GET / for the live page, GET /status, GET /token, POST"
                + " /renew?key=KEY, POST /renew?ref=REF or POST /newnym)", at(unknown.json(), "error"));
    }

    @Test
    void aClientTricklingAPostBodyNeitherHoldsUpGetStatusNorKeepsItsThreadPastTheDeadline() throws Exception {
        InetSocketAddress status = statusServer(new Safelog(false), null);
        long deadlineMillis = StatusConnections.REQUEST_DEADLINE.toMillis();
        long connected = System.nanoTime();
        Socket trickler = closing(new Socket());
        trickler.connect(status, Http.TIMEOUT_MILLIS);
        trickler.setSoTimeout((int) (deadlineMillis + Http.TIMEOUT_MILLIS));
        OutputStream out = trickler.getOutputStream();
        out.write(("POST /renew?key=alice HTTP/1.1\r\nHost: 127.0.0.1:" + status.getPort()
                + "\r\nContent-Length: 1000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        CountDownLatch bodyStarted = new CountDownLatch(3);
        Thread trickling = new Thread(() -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    out.write('x');
                    out.flush();
                    bodyStarted.countDown();
                    Thread.sleep(100); // the pace of the trickle, not a synchronisation
                }
            } catch (IOException | InterruptedException e) {
                // Cut off by the endpoint: the end of this client.
            }
        }, "trickling-client");
        trickling.setDaemon(true);
        trickling.start();
        assertTrue(bodyStarted.await(10, TimeUnit.SECONDS), "the trickling client did not start its body");

        long asked = System.nanoTime();
        Http.Response response = Http.request(status, "GET", "/status");
        long answeredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
        assertEquals(200, response.code(), response.body());
        assertTrue(answeredMillis < deadlineMillis / 2, "GET /status took " + answeredMillis + " ms");
        assertEquals(0, trickler.getInputStream().available(), "the trickling client was answered before GET");

        Http.Response cutOff = Http.read(trickler.getInputStream());
        long cutOffMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected);
        assertEquals(408, cutOff.code(), cutOff.body());
        assertEquals("The request was not complete within " + deadlineMillis + " ms, so the status endpoint"
                + " answered 408 and closed the connection; nothing was renewed or signalled. Is the client sending"
                + " slowly? Send the whole request at once, as the status command does.", at(cutOff.json(), "error"));
        assertTrue(cutOffMillis >= deadlineMillis && cutOffMillis < deadlineMillis + 3_000,
                "cut off after " + cutOffMillis + " ms");
        trickling.join(Http.TIMEOUT_MILLIS);
        assertFalse(trickling.isAlive(), "the trickling client could still write after the cut-off");
        assertEquals(0, credentials.epoch("alice"), "a request cut off must not renew anything");
    }

    @Test
    void answersBusyAtOnceWhenEveryHandlerIsTakenAndTheQueueIsFullThenServesAgain() throws Exception {
        InetSocketAddress status = statusServer(new Safelog(false), null);
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < StatusConnections.HANDLER_THREADS + StatusConnections.QUEUED_CONNECTIONS; i++) {
            Socket socket = closing(new Socket());
            socket.connect(status, Http.TIMEOUT_MILLIS);
            silent.add(socket);
        }

        long asked = System.nanoTime();
        Http.Response busy = Http.request(status, "GET", "/status");
        long answeredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
        assertEquals(503, busy.code(), busy.body());
        assertEquals("The status endpoint is serving 4 requests and 16 more wait, so this one was refused at once."
                + " Some client opens requests without finishing them (each is cut off after 5000 ms); try again in"
                + " a few seconds.", at(busy.json(), "error"));
        assertTrue(answeredMillis < StatusConnections.REQUEST_DEADLINE.toMillis() / 2, answeredMillis + " ms");

        for (Socket socket : silent) {
            socket.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Http.Response again;
        do {
            again = Http.request(status, "GET", "/status");
        } while (again.code() == 503 && System.nanoTime() < deadline);
        assertEquals(200, again.code(), again.body());
    }

    @Test
    void refusesHeadersAndBodiesOverTheLimitsWithoutActingOnThem() throws Exception {
        InetSocketAddress status = statusServer(new Safelog(false), null);
        Http.Response headers = Http.request(status, "POST", "/renew?key=alice", Map.of("Host",
                "127.0.0.1:" + status.getPort(), "X-Padding", "x".repeat(StatusHttp.MAX_HEADER_BYTES)));
        assertEquals(431, headers.code(), headers.body());
        assertEquals("headers: more than 16384 bytes (expected: at most 16384 for the request line and headers"
                + " together)", at(headers.json(), "error"));

        try (Socket socket = new Socket()) {
            socket.connect(status, Http.TIMEOUT_MILLIS);
            socket.setSoTimeout(Http.TIMEOUT_MILLIS);
            socket.getOutputStream().write(("POST /renew?key=alice HTTP/1.1\r\nHost: 127.0.0.1:" + status.getPort()
                    + "\r\nContent-Length: 65537\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            Http.Response body = Http.read(socket.getInputStream());
            assertEquals(413, body.code(), body.body());
            assertEquals("body: 65537 bytes (expected: at most 65536; the status endpoint takes no body)",
                    at(body.json(), "error"));
        }
        assertEquals(0, credentials.epoch("alice"));
    }

    @Test
    void readsAndDropsAChunkedBodyBeforeAnswering() throws Exception {
        InetSocketAddress status = statusServer(new Safelog(false), null);
        try (Socket socket = new Socket()) {
            socket.connect(status, Http.TIMEOUT_MILLIS);
            socket.setSoTimeout(Http.TIMEOUT_MILLIS);
            socket.getOutputStream().write(("POST /renew?key=alice HTTP/1.1\r\nHost: 127.0.0.1:" + status.getPort()
                    + "\r\nX-Streamiso-Token: " + Http.token(status) + "\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nTrailer: t\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            Http.Response renewed = Http.read(socket.getInputStream());
            assertEquals(200, renewed.code(), renewed.body());
        }
        assertEquals(1, credentials.epoch("alice"));
    }

    @Test
    void showsClientsEvictedInTheirHandshakeAndRefusedAtMaxStreamsInTheTotalsAndTheTable() throws Exception {
        ProxyServer small = closing(ProxyServer.start(RelayConfig.of(List.of(new ListenerConfig(LOOPBACK_ANY_PORT,
                IsolationPolicy.CLIENT, null)), List.of(tor.address())).withMaxStreams(1), credentials,
                StreamGate.OPEN, StreamObserver.NONE, log));
        InetSocketAddress socksPort = small.listenAddresses().get(0);
        InetSocketAddress status = closing(StatusServer.start(LOOPBACK_ANY_PORT, new StatusCollector(small,
                credentials, null, new Safelog(false)), credentials, null, new Safelog(false), log)).address();
        Socket idle = closing(new Socket());
        idle.connect(socksPort, Http.TIMEOUT_MILLIS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (small.stats().accepted() < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        Socket relayed = closing(SocksClient.connect(socksPort, ALICE,
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "a.example", 80)));
        relayed.setSoTimeout(10_000);
        assertEchoes(relayed, "admitted");
        assertThrows(IOException.class, () -> SocksClient.request(socksPort, BOB,
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "b.example", 80)));

        Object json = Http.request(status, "GET", "/status").json();
        assertEquals(1L, (Object) at(json, "totals", "evictedInHandshake"));
        assertEquals(1L, (Object) at(json, "totals", "refusedAtMaxStreams"));
        assertEquals(1L, (Object) at(json, "totals", "refusedByProxy"));
        String table = StatusTable.render(json);
        assertTrue(table.contains("At --max-streams: 1 evicted in their handshake, 1 refused at accept\n"), table);
    }

    @Test
    void keysArePercentDecodedAsTheBytesASocksClientSends() {
        assertEquals("al ice\u00e9", StatusServer.queryParameter("x=1&key=al%20ice%E9", "key"));
        assertEquals(null, StatusServer.queryParameter("keys=alice", "key"));
        assertEquals(null, StatusServer.queryParameter(null, "key"));
    }

    @Test
    void refusesToListenOnANonLoopbackAddress() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StatusServer.start(
                new InetSocketAddress(InetAddress.getByAddress(new byte[4]), 0),
                new StatusCollector(proxy, credentials, null, new Safelog(false)), credentials, null,
                new Safelog(false), log));
        assertEquals("status: \"0.0.0.0:0\" (expected: a loopback address such as 127.0.0.1:9158; the status endpoint"
                + " has no password and must not be reachable from the network)", e.getMessage());
    }
}
