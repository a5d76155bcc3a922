package org.streamiso.proxy.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.JsonWriter;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.IsolationCredentials;

/**
 * The status endpoint: a loopback-only HTTP server (the JDK's {@code com.sun.net.httpserver}) with
 * <ul>
 *   <li>{@code GET /status}: the {@link Status} as JSON ({@link StatusJson});</li>
 *   <li>{@code POST /renew?key=USERNAME}: a new identity epoch for one client key, the SOCKS username its client
 *       sends (percent-encode its ISO-8859-1 bytes): that key's new streams get new credentials, so new circuits;
 *       its open streams and every other key are untouched; {@code POST /renew?no-key} does the same for the clients
 *       that send no credentials (one identity for all of them);</li>
 *   <li>{@code POST /newnym}: {@code SIGNAL NEWNYM}, new circuits for every new stream of every key.</li>
 * </ul>
 *
 * <p><b>Important:</b> it has no password, so it binds only loopback addresses, answers only requests whose
 * {@code Host} is a loopback name or literal (a web page that rebinds a DNS name to 127.0.0.1 cannot read it), and
 * refuses every request that carries an {@code Origin} header (a web page cannot renew identities behind the
 * user's back). One daemon thread serves it; answers are small and quick.
 */
public final class StatusServer implements AutoCloseable {
    private static final String JSON = "application/json; charset=utf-8";
    private static final int MAX_KEY_LENGTH = 255;
    /** {@code POST /renew?no-key}: the identity of the clients that send no SOCKS credentials. */
    static final String NO_KEY_PARAMETER = "no-key";

    private final HttpServer http;
    private final ExecutorService executor;
    private final StatusCollector collector;
    private final IsolationCredentials credentials;
    private final TorMonitor monitor;
    private final Safelog safelog;
    private final Log log;
    private final InetSocketAddress address;

    private StatusServer(HttpServer http, ExecutorService executor, StatusCollector collector,
            IsolationCredentials credentials, TorMonitor monitor, Safelog safelog, Log log) {
        this.http = http;
        this.executor = executor;
        this.collector = collector;
        this.credentials = credentials;
        this.monitor = monitor;
        this.safelog = safelog;
        this.log = log;
        this.address = http.getAddress();
    }

    /**
     * Binds {@code address} and serves.
     *
     * @param monitor null without a ControlPort: {@code POST /newnym} then answers 503
     * @throws IllegalArgumentException when {@code address} is not loopback
     * @throws IOException              when it cannot be bound
     */
    public static StatusServer start(InetSocketAddress address, StatusCollector collector,
            IsolationCredentials credentials, TorMonitor monitor, Safelog safelog, Log log) throws IOException {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved() || !address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("status: \"" + address.getHostString() + ":" + address.getPort()
                    + "\" (expected: a loopback address such as 127.0.0.1:9158; the status endpoint has no password"
                    + " and must not be reachable from the network)");
        }
        HttpServer http;
        try {
            http = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IOException("Could not serve the status endpoint on " + StatusCollector.hostPort(address) + ": "
                    + e.getMessage() + "; proxy-core did not start. Is another program using that port? Choose"
                    + " another with --status.", e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "streamiso-proxy-core-status");
            thread.setDaemon(true);
            return thread;
        });
        StatusServer server = new StatusServer(http, executor, Objects.requireNonNull(collector, "collector"),
                Objects.requireNonNull(credentials, "credentials"), monitor, safelog, log);
        http.createContext("/", server::handle);
        http.setExecutor(executor);
        http.start();
        return server;
    }

    /** The bound address (with the real port where 0 was asked). */
    public InetSocketAddress address() {
        return address;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            drain(exchange.getRequestBody());
            String refusal = refusal(exchange);
            if (refusal != null) {
                respond(exchange, 403, error(refusal));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            switch (path) {
                case "/status" -> {
                    if (allowed(exchange, method, "GET")) {
                        status(exchange);
                    }
                }
                case "/renew" -> {
                    if (allowed(exchange, method, "POST")) {
                        renew(exchange);
                    }
                }
                case "/newnym" -> {
                    if (allowed(exchange, method, "POST")) {
                        newnym(exchange);
                    }
                }
                default -> respond(exchange, 404, error("path: \"" + printable(path)
                        + "\" (expected: GET /status, POST /renew?key=USERNAME or POST /newnym)"));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("A status request failed: " + e);
        }
    }

    /** Why a request is refused (not loopback, foreign Host, any Origin), or null. */
    private String refusal(HttpExchange exchange) {
        if (!exchange.getRemoteAddress().getAddress().isLoopbackAddress()) {
            return "client: not loopback (expected: a connection from this machine)";
        }
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        if (origin != null) {
            return "Origin: \"" + printable(origin) + "\" (expected: none; the status endpoint does not answer"
                    + " web pages)";
        }
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host == null || !isLoopbackHost(host)) {
            return "Host: \"" + (host == null ? "" : printable(host)) + "\" (expected: 127.0.0.1:" + address.getPort()
                    + ", [::1]:" + address.getPort() + " or localhost:" + address.getPort() + ")";
        }
        return null;
    }

    private boolean isLoopbackHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        String port = ":" + address.getPort();
        if (h.endsWith(port)) {
            h = h.substring(0, h.length() - port.length());
        }
        return h.equals("localhost") || h.equals("[::1]") || h.matches("127(\\.\\d{1,3}){3}");
    }

    private boolean allowed(HttpExchange exchange, String method, String expected) throws IOException {
        if (method.equals(expected)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", expected);
        respond(exchange, 405, error("method: " + printable(method) + " (expected: " + expected + " for "
                + exchange.getRequestURI().getPath() + ")"));
        return false;
    }

    private void status(HttpExchange exchange) throws IOException {
        String json;
        try {
            json = StatusJson.write(collector.collect());
        } catch (IOException e) {
            respond(exchange, 503, error(e.getMessage()));
            return;
        }
        respond(exchange, 200, json);
    }

    private void renew(HttpExchange exchange) throws IOException {
        String rawQuery = exchange.getRequestURI().getRawQuery();
        String key = queryParameter(rawQuery, "key");
        boolean noKey = queryParameter(rawQuery, NO_KEY_PARAMETER) != null;
        if (noKey && key == null) {
            long epoch = credentials.renew(null);
            log.info("Renewed the identity of the clients that send no credentials (epoch " + epoch + "): their new"
                    + " streams get new circuits; their open streams and every key keep theirs.");
            respond(exchange, 200, new JsonWriter().beginObject().name("key").value((String) null)
                    .name("epoch").value(epoch).endObject().toString());
            return;
        }
        if (noKey || key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            respond(exchange, 400, error("key: " + (noKey ? "both key and " + NO_KEY_PARAMETER
                    : key == null || key.isEmpty() ? "nothing" : key.length() + " characters")
                    + " (expected: the client's SOCKS username, 1-255 characters, e.g. POST /renew?key=alice, or"
                    + " POST /renew?" + NO_KEY_PARAMETER + " for the clients that send no credentials)"));
            return;
        }
        long epoch = credentials.renew(key);
        log.info("Renewed the identity of client key " + safelog.key(key) + " (epoch " + epoch + "): its new streams"
                + " get new circuits; its open streams and other keys keep theirs.");
        respond(exchange, 200, new JsonWriter().beginObject().name("key").value(safelog.key(key))
                .name("epoch").value(epoch).endObject().toString());
    }

    private void newnym(HttpExchange exchange) throws IOException {
        if (monitor == null) {
            respond(exchange, 503, error("proxy-core follows no ControlPort, so SIGNAL NEWNYM was not sent and"
                    + " nothing changed. Start proxy-core with --tor-control and --tor-cookie."));
            return;
        }
        try {
            monitor.newnym();
        } catch (IOException e) {
            respond(exchange, 503, error(e.getMessage()));
            return;
        }
        log.info("Sent SIGNAL NEWNYM: Tor uses new circuits for every new stream; open streams keep theirs.");
        respond(exchange, 200, new JsonWriter().beginObject().name("signal").value("NEWNYM").endObject().toString());
    }

    /** The first value of {@code name} in a raw query, percent-decoded as ISO-8859-1 (SOCKS usernames are bytes). */
    static String queryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String n = eq < 0 ? pair : pair.substring(0, eq);
            if (n.equals(name)) {
                try {
                    return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.ISO_8859_1);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String error(String message) {
        return new JsonWriter().beginObject().name("error").value(message).endObject().toString();
    }

    /** At most 100 characters, control characters as {@code ?}: request text echoed in an error message. */
    private static String printable(String s) {
        String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            sb.append(c < 0x20 || c == 0x7F ? '?' : c);
        }
        return sb.toString();
    }

    private static void respond(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", JSON);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void drain(InputStream body) throws IOException {
        byte[] scratch = new byte[1024];
        long total = 0;
        for (int n; (n = body.read(scratch)) >= 0 && total < 65_536; ) {
            total += n;
        }
    }

    /** Stops serving at once; a request in progress is cut off. */
    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
