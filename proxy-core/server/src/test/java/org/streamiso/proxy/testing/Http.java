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
import org.streamiso.proxy.internal.JsonReader;

/**
 * A raw HTTP/1.1 client for tests of the status endpoint: it sends exactly the headers given (so tests can send a
 * foreign Host or an Origin, which the JDK's clients would not let them), with timeouts.
 */
public final class Http {
    public static final int TIMEOUT_MILLIS = 10_000;

    private Http() {
    }

    /** An answer: its status code and body. */
    public record Response(int code, String body) {
        /** The body parsed as JSON. */
        public Object json() {
            return JsonReader.parse(body);
        }
    }

    /** {@code method path} with {@code Host: IP:PORT} of {@code server}. */
    public static Response request(InetSocketAddress server, String method, String path) throws IOException {
        return request(server, method, path, Map.of("Host", "127.0.0.1:" + server.getPort()));
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
        for (String header; !(header = line(in)).isEmpty(); ) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring("content-length:".length()).trim());
            }
        }
        byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        return new Response(code, new String(body, StandardCharsets.UTF_8));
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
