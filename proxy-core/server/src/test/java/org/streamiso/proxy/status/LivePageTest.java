package org.streamiso.proxy.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.streamiso.proxy.testing.RelayFixture.ALICE;
import static org.streamiso.proxy.testing.RelayFixture.BOB;
import static org.streamiso.proxy.testing.RelayFixture.LOOPBACK_ANY_PORT;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorControl;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.testing.Http;
import org.streamiso.proxy.testing.RelayFixture;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * The live page at {@code GET /} and what guards the endpoint's POSTs: the page and its security headers, the
 * run's token (required on every POST, never taken from a query), the exact same-origin check, and renewal by
 * {@code ref}. All on 127.0.0.1, Tor's SocksPort and ControlPort stood in for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LivePageTest {
    private RelayFixture relay;
    private final TorControl control = mock(TorControl.class);
    private InetSocketAddress status;

    @BeforeEach
    void start() throws IOException {
        relay = RelayFixture.start();
        when(control.getInfo(any())).thenReturn("NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"");
        TorMonitor monitor = relay.closing(new TorMonitor(() -> control, () -> new byte[32], "127.0.0.1:9051",
                new CircuitAudit(relay.log(), new Safelog(false)), relay.log(), Duration.ofMillis(10)));
        monitor.connect();
        Safelog safelog = new Safelog(false);
        status = relay.closing(StatusServer.start(LOOPBACK_ANY_PORT, new StatusCollector(relay.proxy(),
                relay.credentials(), monitor, safelog), relay.credentials(), monitor, safelog, relay.log())).address();
    }

    @AfterEach
    void closeEverything() throws Exception {
        relay.close();
    }

    private void stream(Socks5PasswordAuthRequest key) throws IOException {
        relay.stream(key, "a.example", 80);
    }

    private Http.Response post(String path, Map<String, String> extraHeaders) throws IOException {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.putIfAbsent("Host", "127.0.0.1:" + status.getPort());
        return Http.request(status, "POST", path, headers);
    }

    private static String error(Http.Response response) {
        return (String) ((Map<?, ?>) response.json()).get("error");
    }

    private static String sha256(String text) throws Exception {
        return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        assertTrue(from >= 0, "no " + start + " in " + text);
        from += start.length();
        return text.substring(from, text.indexOf(end, from));
    }

    @Test
    void servesThePageWithTheRunsTokenAndAPolicyThatAllowsOnlyItsOwnInlineStyleAndScript() throws Exception {
        Http.Response page = Http.request(status, "GET", "/");
        assertEquals(200, page.code(), page.body());
        assertEquals("text/html; charset=utf-8", page.headers().get("content-type"));
        String token = Http.token(status);
        assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
        assertTrue(page.body().contains("<meta name=\"streamiso-token\" content=\"" + token + "\">"), page.body());

        String script = between(page.body(), "<script>", "</script>");
        String style = between(page.body(), "<style>", "</style>");
        assertEquals("default-src 'none'; script-src '" + sha256(script) + "'; style-src '" + sha256(style)
                + "'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                page.headers().get("content-security-policy"));
        assertEquals("nosniff", page.headers().get("x-content-type-options"));
        assertEquals("DENY", page.headers().get("x-frame-options"));
        assertEquals("no-store", page.headers().get("cache-control"));
        assertEquals("no-referrer", page.headers().get("referrer-policy"));
        assertEquals("same-origin", page.headers().get("cross-origin-resource-policy"));
        assertFalse(Pattern.compile("(?i)(src|href)\\s*=\\s*\"(?!data:)|@import|url\\(|https?://").matcher(page.body())
                .find(), "the page loads nothing from anywhere: " + page.body());
        assertEquals(1, page.body().split("<script", -1).length - 1, "one script, inline");

        Http.Response json = Http.request(status, "GET", "/status");
        assertEquals("default-src 'none'; frame-ancestors 'none'", json.headers().get("content-security-policy"));
        assertEquals("DENY", json.headers().get("x-frame-options"));
        assertEquals("no-referrer", json.headers().get("referrer-policy"));

        Http.Response linked = Http.request(status, "GET", "/", Map.of("Host", "127.0.0.1:" + status.getPort(),
                "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate"));
        assertEquals(200, linked.code(), "the page may be opened from a link anywhere: it only shows");
    }

    @Test
    void aPostNeedsTheRunsTokenInItsHeaderAndNoOriginButTheEndpointsOwn() throws Exception {
        int port = status.getPort();
        String token = Http.token(status);

        Http.Response none = post("/renew?key=alice", Map.of());
        assertEquals(403, none.code(), none.body());
        assertEquals("X-Streamiso-Token: nothing (expected: this run's token, which the live page at / and GET /token"
                + " give; every POST needs it)", error(none));
        Http.Response inQuery = post("/renew?key=alice&token=" + token, Map.of());
        assertEquals(403, inQuery.code(), "a form could send a query; only the header counts");
        Http.Response wrong = post("/renew?key=alice", Map.of("X-Streamiso-Token", token.substring(1) + "A"));
        assertEquals(403, wrong.code(), wrong.body());
        assertEquals("X-Streamiso-Token: not this run's token (expected: the token that the live page at / and GET"
                + " /token give now; a token of an earlier run is void)", error(wrong));
        Http.Response otherPort = post("/newnym", Map.of("X-Streamiso-Token", token,
                "Origin", "http://127.0.0.1:" + (port == 65535 ? 1 : port + 1)));
        assertEquals(403, otherPort.code(), otherPort.body());
        assertTrue(error(otherPort).startsWith("Origin: \"http://127.0.0.1:"), otherPort.body());
        Http.Response nullOrigin = post("/newnym", Map.of("X-Streamiso-Token", token, "Origin", "null"));
        assertEquals(403, nullOrigin.code(), nullOrigin.body());
        Http.Response sameSite = post("/newnym", Map.of("X-Streamiso-Token", token, "Sec-Fetch-Site", "same-site"));
        assertEquals(403, sameSite.code(), "another port of 127.0.0.1 is the same site, not the same origin");
        assertEquals("Sec-Fetch-Site: \"same-site\" (expected: same-origin; the status endpoint does not answer"
                + " other web pages)", error(sameSite));
        assertEquals(0, relay.credentials().epoch("alice"));
        verify(control, never()).signal(any());
        String logText = relay.logText();
        assertTrue(logText.contains("WARN  Refused POST /renew from a client that sent no Origin with 403 (no token, a"
                + " wrong token, or another origin); nothing was renewed or signalled. If that was not you, a web page"
                + " tried the status endpoint's buttons."), logText);
        assertEquals(1, logText.split("WARN  Refused POST", -1).length - 1, "warned once: " + logText);
        assertTrue(logText.contains("DEBUG Refused POST /newnym from a web page of origin [scrubbed] with 403"),
                logText);
        assertFalse(logText.contains("http://127.0.0.1:" + (port == 65535 ? 1 : port + 1)), "origin in clear");

        Http.Response fromThePage = post("/renew?key=alice", Map.of("X-Streamiso-Token", token,
                "Origin", "http://127.0.0.1:" + port, "Sec-Fetch-Site", "same-origin"));
        assertEquals(200, fromThePage.code(), fromThePage.body());
        assertEquals(1, relay.credentials().epoch("alice"));
        Http.Response fromLocalhost = Http.request(status, "POST", "/newnym", Map.of("Host", "localhost:" + port,
                "Origin", "http://localhost:" + port, "X-Streamiso-Token", token));
        assertEquals(200, fromLocalhost.code(), fromLocalhost.body());
        verify(control, times(1)).signal("NEWNYM");
        Http.Response command = post("/renew?key=alice", Map.of("X-Streamiso-Token", token));
        assertEquals(200, command.code(), "a client that is no browser sends no Origin: " + command.body());
        assertEquals(2, relay.credentials().epoch("alice"));
    }

    @Test
    void anotherOriginCanReadNeitherTheTokenNorTheStatus() throws Exception {
        int port = status.getPort();
        for (String path : List.of("/token", "/status")) {
            Http.Response cors = Http.request(status, "GET", path, Map.of("Host", "127.0.0.1:" + port,
                    "Origin", "http://127.0.0.1:8000"));
            assertEquals(403, cors.code(), cors.body());
            assertFalse(cors.body().contains(Http.token(status)));
            Http.Response noCors = Http.request(status, "GET", path, Map.of("Host", "127.0.0.1:" + port,
                    "Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "no-cors"));
            assertEquals(403, noCors.code(), noCors.body());
            Http.Response preflight = Http.request(status, "OPTIONS", path, Map.of("Host", "127.0.0.1:" + port,
                    "Origin", "http://127.0.0.1:8000", "Access-Control-Request-Method", "POST"));
            assertEquals(403, preflight.code(), preflight.body());
            assertEquals(null, preflight.headers().get("access-control-allow-origin"));
        }
        Http.Response own = Http.request(status, "GET", "/token", Map.of("Host", "127.0.0.1:" + port,
                "Sec-Fetch-Site", "same-origin"));
        assertEquals(200, own.code(), own.body());
    }

    @Test
    void renewsAKeyByTheRefTheStatusShowsWithoutNamingTheKey() throws Exception {
        stream(ALICE);
        stream(BOB);
        stream(null);
        Object json = Http.request(status, "GET", "/status").json();
        Map<Object, String> refs = new HashMap<>();
        for (Object key : (List<?>) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) json).get("clients")).get(0)).get("keys")) {
            Map<?, ?> k = (Map<?, ?>) key;
            refs.put(k.get("key") == null ? "none" : refs.size(), (String) k.get("ref"));
        }
        assertEquals(3, refs.size(), json.toString());
        String aliceRef = refs.get(0);
        assertNotNull(aliceRef);
        assertFalse(json.toString().contains("alice"), json.toString());

        Http.Response renewed = Http.request(status, "POST", "/renew?ref=" + aliceRef);
        assertEquals(200, renewed.code(), renewed.body());
        assertEquals(Map.of("key", Safelog.SCRUBBED, "epoch", 1L), renewed.json());
        assertEquals(1, relay.credentials().epoch("alice"));
        assertEquals(0, relay.credentials().epoch("bob"));
        assertEquals(0, relay.credentials().epoch(null));

        Http.Response noKey = Http.request(status, "POST", "/renew?ref=" + refs.get("none"));
        assertEquals(200, noKey.code(), noKey.body());
        assertEquals(1, relay.credentials().epoch(null));
        assertEquals(0, relay.credentials().epoch("bob"));

        Http.Response unknown = Http.request(status, "POST", "/renew?ref=0123456789abcdef");
        assertEquals(404, unknown.code(), unknown.body());
        assertEquals("ref: \"0123456789abcdef\" (expected: the ref of a key that GET /status shows now; refs change"
                + " with every run of proxy-core); nothing was renewed", error(unknown));
        Http.Response both = Http.request(status, "POST", "/renew?ref=" + aliceRef + "&key=bob");
        assertEquals(400, both.code(), both.body());
        assertEquals(1, relay.credentials().epoch("alice"));
        assertEquals(0, relay.credentials().epoch("bob"));

        StatusCollector otherRun = new StatusCollector(relay.proxy(), relay.credentials(), null, new Safelog(false));
        assertNotEquals(aliceRef, otherRun.ref("alice"), "another run, another ref");
        Matcher m = Pattern.compile("[0-9a-f]{16}").matcher(aliceRef);
        assertTrue(m.matches(), aliceRef);
    }
}
