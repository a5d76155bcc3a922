package org.streamiso.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.Json;
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
import org.streamiso.proxy.testing.HeadlessChromium;
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
 * The live isolation page in a real browser (headless Chromium, in a loopback-only network namespace) in front of
 * the private Tor network: the rendered page shows each key with the circuit and exit Tor's STREAM events name,
 * and its button renews one key; a page of another origin cannot press the buttons, even knowing the token and a
 * key's ref.
 */
@ExtendWith(TorNetworkExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LivePageIT {
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(20);
    /** The build artifacts: the screenshot and the DOM it shows. */
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Socks5PasswordAuthRequest SHOP_A = new IsolationString("shop", "thread", "a".repeat(32))
            .credentials();
    private static final Socks5PasswordAuthRequest SHOP_B = new IsolationString("shop", "thread", "b".repeat(32))
            .credentials();

    private final ItResources resources = new ItResources();
    private final Log log = resources.log();
    private final CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
    private final IsolationCredentials credentials = IsolationCredentials.random();
    private ProxyServer proxy;
    private InetSocketAddress status;

    @BeforeEach
    void needsChromium() throws Exception {
        HeadlessChromium.assumeAvailable();
    }

    @AfterEach
    void closeEverything() throws Exception {
        resources.close();
    }

    private void startProxy(PrivateTorNetwork tor) throws IOException {
        TorMonitor monitor = resources.closing(new TorMonitor(() -> JtorctlTorControl.connect(tor.controlPort(),
                10_000), () -> Files.readAllBytes(tor.cookieFile()), tor.controlPort().toString(), audit, log,
                Duration.ofSeconds(1)));
        monitor.connect();
        monitor.startFollowing();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        proxy = resources.closing(ProxyServer.start(RelayConfig.of(List.of(new ListenerConfig(loopback,
                IsolationPolicy.CLIENT, null)), List.of(tor.socksPorts().get(2))), credentials, monitor, audit, log));
        Safelog safelog = new Safelog(false);
        status = resources.closing(StatusServer.start(loopback, new StatusCollector(proxy, credentials, monitor,
                safelog), credentials, monitor, safelog, log)).address();
    }

    private Socket stream(Socks5PasswordAuthRequest key, EchoServer destination, String text) throws IOException {
        Socket socket = resources.closing(SocksClient.connect(proxy.listenAddresses().get(0), key,
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, TorNetworks.WEB_NAME, destination.port())));
        socket.setSoTimeout(30_000);
        byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(sent);
        assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
        return socket;
    }

    private String awaitExit(String circuit) throws Exception {
        return audit.await(() -> audit.circuits().stream()
                .filter(c -> c.circuitId().equals(circuit) && !c.exit().isEmpty()).findFirst().orElse(null),
                EVENT_TIMEOUT).exit();
    }

    /** The keys the page shows, read from its DOM: app, kind, ref, epoch, and each circuit's id, exit and text. */
    private static final String KEYS_IN_DOM = "Array.from(document.querySelectorAll('li.key')).map(k => ({"
            + " app: k.closest('section.app').dataset.app, kind: k.closest('div.kind').dataset.kind,"
            + " ref: k.dataset.ref, epoch: k.dataset.epoch, name: k.querySelector('.key-name').textContent,"
            + " circuits: Array.from(k.querySelectorAll('li.circuit')).map(c => ({ id: c.dataset.circuit,"
            + " exit: c.dataset.exit, text: c.textContent })) }))";

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> keys(Object dom) {
        return (List<Map<String, Object>>) dom;
    }

    @SuppressWarnings("unchecked")
    private static List<String> circuitIds(Map<String, Object> key) {
        return ((List<Map<String, Object>>) key.get("circuits")).stream().map(c -> (String) c.get("id")).toList();
    }

    @Test
    void thePageShowsTwoKeysOnTheirTwoCircuitsAndItsButtonRenewsOneKey(PrivateTorNetwork tor, @TempDir Path dir)
            throws Exception {
        startProxy(tor);
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer a1 = resources.closing(EchoServer.start());
             EchoServer b1 = resources.closing(EchoServer.start());
             EchoServer a2 = resources.closing(EchoServer.start())) {
            stream(SHOP_A, a1, "key a, first stream");
            stream(SHOP_B, b1, "key b streams too");
            String circuitA = events.awaitSucceeded(a1.port(), EVENT_TIMEOUT).circuitId();
            String circuitB = events.awaitSucceeded(b1.port(), EVENT_TIMEOUT).circuitId();
            assertNotEquals(circuitA, circuitB, "two keys shared a circuit: " + events.events());
            String exitA = awaitExit(circuitA);
            String exitB = awaitExit(circuitB);

            long started = System.nanoTime();
            try (HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("chromium"), List.of(status))) {
                chromium.navigate("http://127.0.0.1:" + status.getPort() + "/");
                chromium.await("document.querySelectorAll('li.key').length === 2 && Array.from("
                        + "document.querySelectorAll('li.key')).every(k =>"
                        + " k.querySelector('li.circuit[data-exit^=\"$\"]'))", PAGE_TIMEOUT);
                List<Map<String, Object>> shown = keys(chromium.evaluate(KEYS_IN_DOM));
                assertEquals(2, shown.size(), shown.toString());
                for (Map<String, Object> key : shown) {
                    assertEquals("shop", key.get("app"));
                    assertEquals("thread", key.get("kind"));
                    assertEquals("[scrubbed]", key.get("name"));
                    assertEquals("0", key.get("epoch"));
                }
                assertEquals(List.of(circuitA), circuitIds(shown.get(0)), shown.toString());
                assertEquals(List.of(circuitB), circuitIds(shown.get(1)), shown.toString());
                Map<String, Object> shownA = keys(shown.get(0).get("circuits")).get(0);
                assertEquals(exitA, shownA.get("exit"));
                String nicknameA = exitA.substring(exitA.indexOf('~') + 1);
                assertTrue(((String) shownA.get("text")).contains(nicknameA)
                        && ((String) shownA.get("text")).contains(exitA.substring(1, 41)), shownA.toString());
                assertEquals(exitB, keys(shown.get(1).get("circuits")).get(0).get("exit"));
                String html = (String) chromium.evaluate("document.documentElement.outerHTML");
                assertFalse(html.contains("a".repeat(32)) || html.contains("b".repeat(32)), "a key in clear: " + html);

                // The page's own button: a new identity for key a only.
                String refA = (String) shown.get(0).get("ref");
                chromium.evaluate("document.querySelector('li.key[data-ref=\"" + refA + "\"] button.renew').click()");
                chromium.await("document.querySelector('li.key[data-ref=\"" + refA + "\"]').dataset.epoch === '1'"
                        + " && document.getElementById('message').textContent.startsWith('Renewed key')", PAGE_TIMEOUT);
                assertEquals(1, credentials.epoch(SHOP_A.password()), "the button did not renew key a");
                assertEquals(0, credentials.epoch(SHOP_B.password()), "the button renewed key b as well");

                // Key a's next stream is on a new circuit; the page shows both of its circuits.
                stream(SHOP_A, a2, "key a after its renewal");
                String circuitA2 = events.awaitSucceeded(a2.port(), EVENT_TIMEOUT).circuitId();
                assertNotEquals(circuitA, circuitA2, "key a's new identity kept its circuit: " + events.events());
                assertNotEquals(circuitB, circuitA2, "key a's new identity shares key b's circuit");
                awaitExit(circuitA2);
                chromium.await("document.querySelectorAll('li.key[data-ref=\"" + refA
                        + "\"] li.circuit[data-exit^=\"$\"]').length === 2", PAGE_TIMEOUT);
                List<Map<String, Object>> after = keys(chromium.evaluate(KEYS_IN_DOM));
                assertEquals(List.of(circuitA, circuitA2), circuitIds(after.get(0)), after.toString());
                assertEquals(List.of(circuitB), circuitIds(after.get(1)), after.toString());

                Files.createDirectories(SCREENSHOTS);
                Files.write(SCREENSHOTS.resolve("isolation-page.png"), chromium.screenshot());
                Files.writeString(SCREENSHOTS.resolve("isolation-page.html"),
                        (String) chromium.evaluate("document.documentElement.outerHTML"));
                List<String> problems = chromium.log().stream().filter(l -> l.contains("Content Security Policy")
                        || l.startsWith("exception") || l.startsWith("error")).toList();
                assertEquals(List.of(), problems, "the page's log: " + chromium.log());
            }
            System.err.println("LivePageIT: the browser part took "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
            assertEquals(0, audit.violationCount());
        }
    }

    /** A page on another loopback port that tries every way to press the status endpoint's buttons. */
    private static String hostilePage(int statusPort, String token, String ref) {
        String endpoint = "http://127.0.0.1:" + statusPort;
        return "<!DOCTYPE html><html><body><iframe name=sink></iframe>"
                + "<form id=f method=POST target=sink action='" + endpoint + "/renew?no-key&token=" + token + "'>"
                + "<input name=token value='" + token + "'></form><script>\n"
                + "const E = " + Json.quote(endpoint) + ", T = " + Json.quote(token) + ", R = "
                + Json.quote(ref) + ";\n"
                + "const tries = {\n"
                + " noCorsKey: () => fetch(E + '/renew?key=alice', {method: 'POST', mode: 'no-cors'}),\n"
                + " noCorsRef: () => fetch(E + '/renew?ref=' + R, {method: 'POST', mode: 'no-cors',"
                + " headers: {'X-Streamiso-Token': T}}),\n"
                + " corsRefWithToken: () => fetch(E + '/renew?ref=' + R, {method: 'POST',"
                + " headers: {'X-Streamiso-Token': T}}),\n"
                + " noCorsNewnym: () => fetch(E + '/newnym', {method: 'POST', mode: 'no-cors', body: 'x'}),\n"
                + " readToken: () => fetch(E + '/token').then(r => r.text()),\n"
                + " readPage: () => fetch(E + '/').then(r => r.text()),\n"
                + " form: () => new Promise(resolve => { document.querySelector('iframe').onload = () =>"
                + " resolve('loaded'); document.getElementById('f').submit(); }),\n"
                + "};\n"
                + "(async () => { const results = {};\n"
                + " for (const [name, run] of Object.entries(tries)) {\n"
                + "  try { const r = await run(); results[name] = 'resolved: ' + (typeof r === 'string' ? r"
                + " : r.type + ' ' + r.status); } catch (e) { results[name] = 'failed: ' + e.message; } }\n"
                + " window.results = results; document.title = 'done'; })();\n"
                + "</script></body></html>";
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPageOfAnotherOriginCannotPressTheButtonsEvenKnowingTheTokenAndARef(PrivateTorNetwork tor,
            @TempDir Path dir) throws Exception {
        startProxy(tor);
        Socks5PasswordAuthRequest alice = new Socks5PasswordAuthRequest("alice", "a");
        try (EchoServer web = resources.closing(EchoServer.start())) {
            stream(alice, web, "alice streams");
            String token = Http.token(status);
            Map<String, Object> json = (Map<String, Object>) Http.request(status, "GET", "/status").json();
            String ref = (String) ((Map<String, Object>) ((List<Object>) ((Map<String, Object>) ((List<Object>)
                    json.get("clients")).get(0)).get("keys")).get(0)).get("ref");

            HttpServer hostile = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            byte[] page = hostilePage(status.getPort(), token, ref).getBytes(StandardCharsets.UTF_8);
            hostile.createContext("/", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, page.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(page);
                }
            });
            hostile.start();
            resources.closing(() -> hostile.stop(0));
            InetSocketAddress hostileAddress = hostile.getAddress();

            long started = System.nanoTime();
            Map<String, Object> results;
            try (HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("chromium"),
                    List.of(status, hostileAddress))) {
                chromium.navigate("http://127.0.0.1:" + hostileAddress.getPort() + "/hostile.html");
                chromium.await("document.title === 'done'", PAGE_TIMEOUT);
                results = (Map<String, Object>) chromium.evaluate("window.results");
            }
            System.err.println("LivePageIT: the hostile page's tries: " + results + " (browser part "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms)");

            assertEquals(0, credentials.epoch("alice"), "a page of another origin renewed alice: " + results);
            assertEquals(0, credentials.epoch(null), "a page of another origin renewed the clients without"
                    + " credentials: " + results);
            String logText = resources.logText();
            assertFalse(logText.contains("Sent SIGNAL NEWNYM"), "a page of another origin sent NEWNYM: " + logText);
            assertFalse(logText.contains("Renewed the identity"), logText);
            // Every try reached proxy-core and was refused there, not merely lost in the browser.
            assertTrue(logText.contains("WARN  Refused POST /renew from a web page of origin [scrubbed] with 403"),
                    logText);
            assertEquals(4, logText.split("Refused POST ", -1).length - 1, "the no-cors POSTs (key, ref, newnym)"
                    + " and the form each refused once: " + logText);
            assertTrue(logText.contains("Refused OPTIONS /renew with 403"), "the preflight of the fetch that sets"
                    + " the token was refused: " + logText);
            assertTrue(logText.contains("Refused GET /token with 403") && logText.contains("Refused GET / with 403"),
                    "the reads of the token and the page were refused: " + logText);
            assertTrue(((String) results.get("readToken")).startsWith("failed"), results.toString());
            assertTrue(((String) results.get("readPage")).startsWith("failed"), results.toString());
            assertTrue(((String) results.get("corsRefWithToken")).startsWith("failed"), results.toString());
            // Even the no-cors POSTs fail in the page: Cross-Origin-Resource-Policy keeps their answers from it too.
            assertTrue(((String) results.get("noCorsKey")).startsWith("failed"), results.toString());
            assertEquals("resolved: loaded", results.get("form"), results.toString());
        }
    }
}
