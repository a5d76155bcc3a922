package org.streamiso.proxy.status;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.JsonWriter;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.socks.IsolationString;

/**
 * The status endpoint: a loopback-only HTTP server with
 * <ul>
 *   <li>{@code GET /status}: the {@link Status} as JSON ({@link StatusJson});</li>
 *   <li>{@code POST /renew?key=KEY}: a new identity epoch for one client key ({@code ClientKey}): the password of a
 *       client whose SOCKS username is {@code <torS0X>0}, its isolation string {@code si1:<app>:<kind>:<digest>},
 *       or the SOCKS username of any other client (percent-encode its ISO-8859-1 bytes). That key's new streams get
 *       new credentials, so new circuits; its open streams and every other key are untouched (a username equal to
 *       an isolation string is renewed with it). {@code POST /renew?no-key} does the same for the clients that send
 *       no credentials (one identity for all of them);</li>
 *   <li>{@code POST /newnym}: {@code SIGNAL NEWNYM}, new circuits for every new stream of every key.</li>
 * </ul>
 *
 * <p><b>Important:</b> it has no password, so it binds only loopback addresses, answers only requests whose
 * {@code Host} is a loopback name or literal (a web page that rebinds a DNS name to 127.0.0.1 cannot read it), and
 * refuses every request that carries an {@code Origin} header (a web page cannot renew identities behind the
 * user's back). A few threads serve it, and no client can hold them for others: a request must arrive whole within
 * a few seconds or is answered 408 ({@link StatusConnections}).
 */
public final class StatusServer implements AutoCloseable {
    private static final int MAX_KEY_LENGTH = 255;
    /** {@code POST /renew?no-key}: the identity of the clients that send no SOCKS credentials. */
    static final String NO_KEY_PARAMETER = "no-key";

    private final StatusCollector collector;
    private final IsolationCredentials credentials;
    private final TorMonitor monitor;
    private final Safelog safelog;
    private final Log log;
    /** Set once by {@link #start}, before anyone can call {@link #address()} or {@link #close()}. */
    private volatile StatusConnections connections;

    private StatusServer(StatusCollector collector, IsolationCredentials credentials, TorMonitor monitor,
            Safelog safelog, Log log) {
        this.collector = collector;
        this.credentials = credentials;
        this.monitor = monitor;
        this.safelog = safelog;
        this.log = log;
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
        String refusal = refusal(socket, request);
        if (refusal != null) {
            respond(socket, request, 403, error(refusal));
            return;
        }
        String path = request.uri().getPath();
        if (path == null) {
            path = "";
        }
        String method = request.method().toUpperCase(Locale.ROOT);
        switch (path) {
            case "/status" -> {
                if (allowed(socket, request, method, "GET")) {
                    status(socket, request);
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
                    + "\" (expected: GET /status, POST /renew?key=KEY or POST /newnym)"));
        }
    }

    /** Why a request is refused (not loopback, foreign Host, any Origin), or null. */
    private String refusal(Socket socket, StatusHttp.Request request) {
        if (!socket.getInetAddress().isLoopbackAddress()) {
            return "client: not loopback (expected: a connection from this machine)";
        }
        String origin = request.header("Origin");
        if (origin != null) {
            return "Origin: \"" + printable(origin) + "\" (expected: none; the status endpoint does not answer"
                    + " web pages)";
        }
        String host = request.header("Host");
        int port = socket.getLocalPort(); // the endpoint's own port
        if (host == null || !isLoopbackHost(host, port)) {
            return "Host: \"" + (host == null ? "" : printable(host)) + "\" (expected: 127.0.0.1:" + port
                    + ", [::1]:" + port + " or localhost:" + port + ")";
        }
        return null;
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
        boolean noKey = queryParameter(rawQuery, NO_KEY_PARAMETER) != null;
        if (noKey && key == null) {
            long epoch = credentials.renew(null);
            log.info("Renewed the identity of the clients that send no credentials (epoch " + epoch + "): their new"
                    + " streams get new circuits; their open streams and every key keep theirs.");
            respond(socket, request, 200, new JsonWriter().beginObject().name("key").value((String) null)
                    .name("epoch").value(epoch).endObject().toString());
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
        respond(socket, request, 200, new JsonWriter().beginObject().name("key").value(shown)
                .name("epoch").value(epoch).endObject().toString());
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
        respond(socket, request, 200, new JsonWriter().beginObject().name("signal").value("NEWNYM").endObject()
                .toString());
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
