package org.streamiso.proxy.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.streamiso.proxy.internal.Json;

/**
 * A raw HTTP/1.1 client for tests of the status endpoint: it sends exactly the headers given (so tests can send a
 * foreign Host or an Origin, which the JDK's clients would not let them), with timeouts.
 */
public final class Http {
    public static final int TIMEOUT_MILLIS = 10_000;

    private Http() {
    }

    /** An answer: its status code, headers (the first value of each, by lower-case name) and body. */
    public record Response(int code, Map<String, String> headers, String body) {
        public Response(int code, String body) {
            this(code, Map.of(), body);
        }

        /** The body parsed as JSON. */
        public Object json() {
            return Json.parse(body);
        }
    }

    /**
     * {@code method path} with {@code Host: IP:PORT} of {@code server}; a POST also carries the run's token, asked
     * first with {@code GET /token}, as the {@code renew} and {@code newnym} commands do.
     */
    public static Response request(InetSocketAddress server, String method, String path) throws IOException {
        if (method.equals("POST")) {
            return request(server, method, path, Map.of("Host", "127.0.0.1:" + server.getPort(),
                    "X-Streamiso-Token", token(server)));
        }
        return request(server, method, path, Map.of("Host", "127.0.0.1:" + server.getPort()));
    }

    /** The run's token that {@code GET /token} gives. */
    public static String token(InetSocketAddress server) throws IOException {
        Response response = request(server, "GET", "/token", Map.of("Host", "127.0.0.1:" + server.getPort()));
        if (response.code() != 200) {
            throw new IOException("GET /token answered " + response.code() + ": " + response.body());
        }
        return (String) ((Map<?, ?>) response.json()).get("token");
    }

    /** {@code method path} with exactly {@code headers} (plus Content-Length: 0 and Connection: close). */
    public static Response request(InetSocketAddress server, String method, String path, Map<String, String> headers)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            request.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** Reads one response from {@code input}: status line, headers, and a body of Content-Length or up to EOF. */
    public static Response read(InputStream input) throws IOException {
        InputStream in = new BufferedInputStream(input);
        String statusLine = line(in);
        int code = Integer.parseInt(statusLine.split(" ")[1]);
        int length = -1;
        Map<String, String> headers = new java.util.HashMap<>();
        for (String header; !(header = line(in)).isEmpty(); ) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(header.substring(0, colon).toLowerCase(Locale.ROOT),
                        header.substring(colon + 1).trim());
            }
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring("content-length:".length()).trim());
            }
        }
        byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        return new Response(code, Map.copyOf(headers), new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("the server closed the connection in the headers after: " + sb);
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
