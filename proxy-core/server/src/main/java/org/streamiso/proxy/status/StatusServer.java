package org.streamiso.proxy.status;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.Json;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.ClientKey;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.socks.IsolationString;

/**
 * The status endpoint: a loopback-only HTTP server with
 * <ul>
 *   <li>{@code GET /}: the live isolation page ({@link LivePage}), which polls {@code GET /status} and has a
 *       button per key ({@code POST /renew?ref=REF}) and one for {@code POST /newnym};</li>
 *   <li>{@code GET /status}: the {@link Status} as JSON ({@link StatusJson});</li>
 *   <li>{@code GET /token}: this run's token, {@code {"token":"..."}}, for clients other than the page (the
 *       {@code renew} and {@code newnym} commands);</li>
 *   <li>{@code POST /renew?key=KEY}: a new identity epoch for one client key ({@code ClientKey}): the password of a
 *       client whose SOCKS username is {@code <torS0X>0}, its isolation string {@code si1:<app>:<kind>:<digest>},
 *       or the SOCKS username of any other client (percent-encode its ISO-8859-1 bytes). That key's new streams get
 *       new credentials, so new circuits; its open streams and every other key are untouched (a username equal to
 *       an isolation string is renewed with it). {@code POST /renew?ref=REF} renews the key whose {@code ref} the
 *       status shows, without naming the key itself; {@code POST /renew?no-key} does the same for the clients that
 *       send no credentials (one identity for all of them);</li>
 *   <li>{@code POST /newnym}: {@code SIGNAL NEWNYM}, new circuits for every new stream of every key.</li>
 * </ul>
 *
 * <p><b>Important:</b> it has no password, so it binds only loopback addresses and answers only requests whose
 * {@code Host} is a loopback name or literal (a web page that rebinds a DNS name to 127.0.0.1 cannot read it). No
 * other web page may act on it: a GET that carries an {@code Origin}, or a {@code Sec-Fetch-Site} other than
 * {@code same-origin} or {@code none} (the page itself may be opened from anywhere), is refused, and every POST
 * needs both
 * <ul>
 *   <li>the run's random token in an {@code X-Streamiso-Token} header, compared in constant time: only the page
 *       and {@code GET /token} give it, and a browser lets no other origin read either (no CORS, and
 *       {@code Cross-Origin-Resource-Policy: same-origin}); a header, never a query or form field, so a form
 *       cannot carry it and a cross-origin fetch that sets it needs a preflight, which is refused;</li>
 *   <li>no {@code Origin}, or exactly the endpoint's own ({@code http://} and the request's loopback
 *       {@code Host}), and no {@code Sec-Fetch-Site} but {@code same-origin}.</li>
 * </ul>
 * A few threads serve it, and no client can hold them for others: a request must arrive whole within a few seconds
 * or is answered 408 ({@link StatusConnections}).
 */
public final class StatusServer implements AutoCloseable {
    private static final int MAX_KEY_LENGTH = 255;
    /** The header that carries the run's token on every POST. */
    public static final String TOKEN_HEADER = "X-Streamiso-Token";
    private static final LivePage PAGE = LivePage.load();
    /** {@code POST /renew?no-key}: the identity of the clients that send no SOCKS credentials. */
    static final String NO_KEY_PARAMETER = "no-key";

    private final StatusCollector collector;
    private final IsolationCredentials credentials;
    private final TorMonitor monitor;
    private final Safelog safelog;
    private final Log log;
    /** The run's token, base64url of 32 random bytes: every POST must carry it in {@value #TOKEN_HEADER}. */
    private final String token;
    /** Whether a refused POST was logged as a warning already; later ones go to the debug log. */
    private final AtomicBoolean refusedPostWarned = new AtomicBoolean();
    /** Set once by {@link #start}, before anyone can call {@link #address()} or {@link #close()}. */
    private volatile StatusConnections connections;

    private StatusServer(StatusCollector collector, IsolationCredentials credentials, TorMonitor monitor,
            Safelog safelog, Log log) {
        this.collector = collector;
        this.credentials = credentials;
        this.monitor = monitor;
        this.safelog = safelog;
        this.log = log;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
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
        StatusServer server = new StatusServer(Objects.requireNonNull(collector, "collector"),
                Objects.requireNonNull(credentials, "credentials"), monitor, safelog, log);
        server.connections = StatusConnections.start(address, server::handle, log);
        return server;
    }

    /** The bound address (with the real port where 0 was asked). */
    public InetSocketAddress address() {
        return connections.address();
    }

    private void handle(Socket socket, StatusHttp.Request request) throws IOException {
        String path = request.uri().getPath();
        if (path == null) {
            path = "";
        }
        String method = request.method().toUpperCase(Locale.ROOT);
        String refusal = refusal(socket, request, method, path);
        if (refusal != null) {
            if (method.equals("POST")) {
                logRefusedPost(path, request);
            } else {
                log.debug("Refused " + printable(method) + " " + printable(path) + " with 403: " + refusal);
            }
            respond(socket, request, 403, error(refusal));
            return;
        }
        switch (path) {
            case "/" -> {
                if (allowed(socket, request, method, "GET")) {
                    StatusHttp.respond(socket, request, 200, "text/html; charset=utf-8",
                            PAGE.contentSecurityPolicy(), PAGE.html(token), null);
                }
            }
            case "/status" -> {
                if (allowed(socket, request, method, "GET")) {
                    status(socket, request);
                }
            }
            case "/token" -> {
                if (allowed(socket, request, method, "GET")) {
                    respond(socket, request, 200, Json.write(json -> {
                        json.writeStartObject();
                        json.writeStringField("token", token);
                        json.writeEndObject();
                    }));
                }
            }
            case "/renew" -> {
                if (allowed(socket, request, method, "POST")) {
                    renew(socket, request);
                }
            }
            case "/newnym" -> {
                if (allowed(socket, request, method, "POST")) {
                    newnym(socket, request);
                }
            }
            default -> respond(socket, request, 404, error("path: \"" + printable(path)
                    + "\" (expected: GET / for the live page, GET /status, GET /token, POST /renew?key=KEY,"
                    + " POST /renew?ref=REF or POST /newnym)"));
        }
    }

    /**
     * Why a request is refused (not loopback, foreign Host, another web page's, no or a wrong token on a POST), or
     * null.
     */
    private String refusal(Socket socket, StatusHttp.Request request, String method, String path) {
        if (!socket.getInetAddress().isLoopbackAddress()) {
            return "client: not loopback (expected: a connection from this machine)";
        }
        String host = request.header("Host");
        int port = socket.getLocalPort(); // the endpoint's own port
        String origin = request.header("Origin");
        boolean post = method.equals("POST");
        if (origin != null && !(post && host != null && origin.equalsIgnoreCase("http://" + host))) {
            return "Origin: \"" + printable(origin) + "\" (expected: none; POST from the live page only, whose origin"
                    + " is http://127.0.0.1:" + port + "; the status endpoint does not answer other web pages)";
        }
        if (host == null || !isLoopbackHost(host, port)) {
            return "Host: \"" + (host == null ? "" : printable(host)) + "\" (expected: 127.0.0.1:" + port
                    + ", [::1]:" + port + " or localhost:" + port + ")";
        }
        // Sent by browsers only: same-site is not enough, another port of 127.0.0.1 is the same site.
        String site = request.header("Sec-Fetch-Site");
        boolean page = method.equals("GET") && path.equals("/");
        if (site != null && !page && !site.equalsIgnoreCase("same-origin")
                && !(site.equalsIgnoreCase("none") && !post)) {
            return "Sec-Fetch-Site: \"" + printable(site) + "\" (expected: same-origin; the status endpoint does not"
                    + " answer other web pages)";
        }
        if (post) {
            String sent = request.header(TOKEN_HEADER);
            if (sent == null) {
                return TOKEN_HEADER + ": nothing (expected: this run's token, which the live page at / and GET"
                        + " /token give; every POST needs it)";
            }
            if (!MessageDigest.isEqual(sent.getBytes(StandardCharsets.ISO_8859_1),
                    token.getBytes(StandardCharsets.ISO_8859_1))) {
                return TOKEN_HEADER + ": not this run's token (expected: the token that the live page at / and GET"
                        + " /token give now; a token of an earlier run is void)";
            }
        }
        return null;
    }

    /** A refused POST: a warning the first time (a web page may be trying the buttons), then debug lines. */
    private void logRefusedPost(String path, StatusHttp.Request request) {
        String origin = request.header("Origin");
        String from = origin == null ? "a client that sent no Origin"
                : "a web page of origin " + (safelog.isUnsafe() ? printable(origin) : Safelog.SCRUBBED);
        String line = "Refused POST " + printable(path) + " from " + from + " with 403 (no token, a wrong token, or"
                + " another origin); nothing was renewed or signalled.";
        if (refusedPostWarned.compareAndSet(false, true)) {
            log.warn(line + " If that was not you, a web page tried the status endpoint's buttons. Use the live"
                    + " page at / or the renew and newnym commands, which send the token. Further refusals are"
                    + " logged at debug level.");
        } else {
            log.debug(line);
        }
    }

    private static boolean isLoopbackHost(String host, int endpointPort) {
        String h = host.toLowerCase(Locale.ROOT);
        String port = ":" + endpointPort;
        if (h.endsWith(port)) {
            h = h.substring(0, h.length() - port.length());
        }
        return h.equals("localhost") || h.equals("[::1]") || h.matches("127(\\.\\d{1,3}){3}");
    }

    private boolean allowed(Socket socket, StatusHttp.Request request, String method, String expected)
            throws IOException {
        if (method.equals(expected)) {
            return true;
        }
        StatusHttp.respond(socket, request, 405, error("method: " + printable(method) + " (expected: " + expected
                + " for " + request.uri().getPath() + ")"), expected);
        return false;
    }

    private void status(Socket socket, StatusHttp.Request request) throws IOException {
        String json;
        try {
            json = StatusJson.write(collector.collect());
        } catch (IOException e) {
            respond(socket, request, 503, error(e.getMessage()));
            return;
        }
        respond(socket, request, 200, json);
    }

    private void renew(Socket socket, StatusHttp.Request request) throws IOException {
        String rawQuery = request.uri().getRawQuery();
        String key = queryParameter(rawQuery, "key");
        String ref = queryParameter(rawQuery, "ref");
        boolean noKey = queryParameter(rawQuery, NO_KEY_PARAMETER) != null;
        if (ref != null) {
            if (key != null || noKey) {
                respond(socket, request, 400, error("ref: with " + (noKey ? NO_KEY_PARAMETER : "key")
                        + " (expected: one of ref=REF, key=KEY or " + NO_KEY_PARAMETER + ")"));
                return;
            }
            ClientKey found;
            try {
                found = collector.keyOfRef(ref);
            } catch (IOException e) {
                respond(socket, request, 503, error(e.getMessage()));
                return;
            }
            if (found == null) {
                respond(socket, request, 404, error("ref: \"" + printable(ref) + "\" (expected: the ref of a key that"
                        + " GET /status shows now; refs change with every run of proxy-core); nothing was renewed"));
                return;
            }
            if (found.key() == null) {
                noKey = true;
            } else {
                key = found.key();
            }
        }
        if (noKey && key == null) {
            long epoch = credentials.renew(null);
            log.info("Renewed the identity of the clients that send no credentials (epoch " + epoch + "): their new"
                    + " streams get new circuits; their open streams and every key keep theirs.");
            respond(socket, request, 200, Json.write(json -> {
                json.writeStartObject();
                json.writeNullField("key");
                json.writeNumberField("epoch", epoch);
                json.writeEndObject();
            }));
            return;
        }
        if (noKey || key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            respond(socket, request, 400, error("key: " + (noKey ? "both key and " + NO_KEY_PARAMETER
                    : key == null || key.isEmpty() ? "nothing" : key.length() + " characters")
                    + " (expected: the client's key, 1-255 characters: the password of a client whose SOCKS username"
                    + " is <torS0X>0, its isolation string, e.g. POST /renew?key=si1%3Ashop%3Athread%3A0123..., or"
                    + " the SOCKS username of any other, e.g. POST /renew?key=alice; or POST /renew?"
                    + NO_KEY_PARAMETER + " for the clients that send no credentials)"));
            return;
        }
        long epoch = credentials.renew(key);
        String shown = printableKey(key);
        log.info("Renewed the identity of client key " + shown + " (epoch " + epoch + "): its new streams get new"
                + " circuits; its open streams and other keys keep theirs.");
        respond(socket, request, 200, Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("key", shown);
            json.writeNumberField("epoch", epoch);
            json.writeEndObject();
        }));
    }

    /**
     * A key as the log and the answer show it: an isolation string with its app and kind in clear (the contract puts
     * them there) and its digest {@code [scrubbed]}, any other key {@code [scrubbed]}; in clear with unsafe logging.
     */
    private String printableKey(String key) {
        IsolationString string = IsolationString.parse(key);
        return string == null || safelog.isUnsafe() ? safelog.key(key) : string.toString();
    }

    private void newnym(Socket socket, StatusHttp.Request request) throws IOException {
        if (monitor == null) {
            respond(socket, request, 503, error("proxy-core follows no ControlPort, so SIGNAL NEWNYM was not sent and"
                    + " nothing changed. Start proxy-core with --tor-control and --tor-cookie."));
            return;
        }
        try {
            monitor.newnym();
        } catch (IOException e) {
            respond(socket, request, 503, error(e.getMessage()));
            return;
        }
        log.info("Sent SIGNAL NEWNYM: Tor uses new circuits for every new stream; open streams keep theirs.");
        respond(socket, request, 200, Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("signal", "NEWNYM");
            json.writeEndObject();
        }));
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
        return StatusConnections.error(message);
    }

    private static String printable(String s) {
        return StatusHttp.printable(s);
    }

    private static void respond(Socket socket, StatusHttp.Request request, int code, String body) throws IOException {
        StatusHttp.respond(socket, request, code, body, null);
    }

    /** Stops serving at once; a request in progress is cut off. */
    @Override
    public void close() {
        connections.close();
    }
}
