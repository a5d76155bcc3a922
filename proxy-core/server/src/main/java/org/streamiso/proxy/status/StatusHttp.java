package org.streamiso.proxy.status;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP/1.1 the status endpoint speaks: one request per connection, read whole within a deadline and size
 * limits, then one response and a close. The body is read and dropped (no endpoint takes one), so that a client's
 * unread body cannot turn the close into a reset that destroys the answer.
 *
 * <p><b>Important:</b> every read waits at most for what is left of the request's deadline, so a client that sends
 * one byte a second holds a handler thread for no longer than the deadline.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9112">RFC 9112, HTTP/1.1</a>
 */
final class StatusHttp {
    /** Request line and headers together. */
    static final int MAX_HEADER_BYTES = 16 * 1024;
    /** A body is read and dropped; the endpoints take none. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private StatusHttp() {
    }

    /**
     * One request, as read.
     *
     * @param method  the method as sent (HTTP methods are case-sensitive; callers compare upper case)
     * @param uri     the request target
     * @param headers the first value of each header, by lower-case name
     */
    record Request(String method, URI uri, Map<String, String> headers) {
        /** The first value of header {@code name}, or null. */
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A request that could not be read: the status to answer with its error message, or 0 to close unanswered. */
    static final class BadRequest extends IOException {
        private static final long serialVersionUID = 1L;
        final int code;

        BadRequest(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    /**
     * Reads one request, its body included, by {@code deadlineNanos} ({@link System#nanoTime()}).
     *
     * @param allowedMillis the time the deadline allowed, for the 408's message
     * @throws BadRequest  when the request is malformed, too large, or not complete by the deadline (408)
     * @throws IOException when the connection fails
     */
    static Request read(Socket socket, long deadlineNanos, long allowedMillis) throws IOException {
        Input in = new Input(socket, deadlineNanos, allowedMillis);
        String requestLine;
        int headerBudget = MAX_HEADER_BYTES;
        do {
            // A client may send an empty line before the request line (RFC 9112, section 2.2).
            requestLine = in.line(headerBudget, true);
            if (requestLine == null) {
                throw new BadRequest(0, "the client closed the connection before sending a request");
            }
            headerBudget -= requestLine.length() + 2;
        } while (requestLine.isEmpty());
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !parts[2].startsWith("HTTP/1.")) {
            throw new BadRequest(400, "request line: \"" + printable(requestLine)
                    + "\" (expected: METHOD /PATH HTTP/1.1)");
        }
        URI uri;
        try {
            uri = new URI(parts[1]);
        } catch (URISyntaxException e) {
            throw new BadRequest(400, "request target: \"" + printable(parts[1])
                    + "\" (expected: a path such as /status)");
        }
        Map<String, String> headers = new HashMap<>();
        while (true) {
            String line = in.line(headerBudget, true);
            if (line == null) {
                throw new BadRequest(0, "the client closed the connection in the middle of its headers");
            }
            if (line.isEmpty()) {
                break;
            }
            headerBudget -= line.length() + 2;
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t'
                    || line.substring(0, colon).strip().length() != colon) {
                throw new BadRequest(400, "header: \"" + printable(line) + "\" (expected: Name: value)");
            }
            headers.putIfAbsent(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        Request request = new Request(parts[0], uri, Map.copyOf(headers));
        readBody(socket, in, request);
        return request;
    }

    private static void readBody(Socket socket, Input in, Request request) throws IOException {
        String transferEncoding = request.header("Transfer-Encoding");
        String contentLength = request.header("Content-Length");
        boolean chunked = transferEncoding != null;
        if (chunked && (!transferEncoding.equalsIgnoreCase("chunked") || contentLength != null)) {
            throw new BadRequest(400, "Transfer-Encoding: \"" + printable(transferEncoding)
                    + "\" (expected: chunked, without Content-Length, or no body at all)");
        }
        long length = 0;
        if (contentLength != null) {
            if (!contentLength.matches("\\d{1,18}")) {
                throw new BadRequest(400, "Content-Length: \"" + printable(contentLength)
                        + "\" (expected: a number of bytes)");
            }
            length = Long.parseLong(contentLength);
        }
        if (length > MAX_BODY_BYTES) {
            throw new BadRequest(413, "body: " + length + " bytes (expected: at most " + MAX_BODY_BYTES
                    + "; the status endpoint takes no body)");
        }
        if ((chunked || length > 0) && "100-continue".equalsIgnoreCase(request.header("Expect"))) {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        if (!chunked) {
            in.skip(length);
            return;
        }
        long total = 0;
        while (true) {
            String sizeLine = in.line(256, false);
            int semicolon = sizeLine == null ? -1 : sizeLine.indexOf(';');
            String size = sizeLine == null ? ""
                    : (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip();
            if (!size.matches("[0-9A-Fa-f]{1,8}")) {
                throw new BadRequest(400, "chunk size: \"" + printable(sizeLine == null ? "" : sizeLine)
                        + "\" (expected: a hexadecimal number of bytes)");
            }
            long n = Long.parseLong(size, 16);
            total += n;
            if (total > MAX_BODY_BYTES) {
                throw new BadRequest(413, "body: more than " + MAX_BODY_BYTES + " bytes (expected: at most "
                        + MAX_BODY_BYTES + "; the status endpoint takes no body)");
            }
            if (n == 0) {
                break;
            }
            in.skip(n);
            String end = in.line(2, false);
            if (end == null || !end.isEmpty()) {
                throw new BadRequest(400, "chunk: no CRLF after its " + n + " bytes (expected: chunked encoding as"
                        + " in RFC 9112, section 7.1)");
            }
        }
        // Trailer fields, up to the empty line.
        for (int budget = MAX_HEADER_BYTES; ; ) {
            String trailer = in.line(budget, true);
            if (trailer == null || trailer.isEmpty()) {
                return;
            }
            budget -= trailer.length() + 2;
        }
    }

    /** The JSON endpoints' policy: nothing may load, run or frame them. */
    static final String JSON_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

    /**
     * Writes one JSON response with {@code Connection: close}, then ends the connection's output. A HEAD request
     * gets the headers only.
     *
     * @param allow the {@code Allow} header of a 405, or null
     */
    static void respond(Socket socket, Request request, int code, String body, String allow) throws IOException {
        respond(socket, request, code, "application/json; charset=utf-8", JSON_CONTENT_SECURITY_POLICY,
                body + "\n", allow);
    }

    /**
     * Writes one response with {@code Connection: close}, then ends the connection's output. A HEAD request gets
     * the headers only. Every response forbids caching, MIME sniffing, framing, referrers and reads by other
     * origins ({@code Cross-Origin-Resource-Policy: same-origin}), and carries {@code contentSecurityPolicy}.
     *
     * @param allow the {@code Allow} header of a 405, or null
     */
    static void respond(Socket socket, Request request, int code, String contentType, String contentSecurityPolicy,
            String body, String allow) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(code).append(' ').append(reason(code))
                .append("\r\nContent-Type: ").append(contentType)
                .append("\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY"
                        + "\r\nReferrer-Policy: no-referrer\r\nCross-Origin-Resource-Policy: same-origin"
                        + "\r\nCross-Origin-Opener-Policy: same-origin\r\nContent-Security-Policy: ")
                .append(contentSecurityPolicy)
                .append("\r\nContent-Length: ").append(bytes.length)
                .append("\r\nConnection: close\r\n");
        if (allow != null) {
            head.append("Allow: ").append(allow).append("\r\n");
        }
        head.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (request == null || !request.method().equals("HEAD")) {
            out.write(bytes);
        }
        out.flush();
        socket.shutdownOutput();
        // Drop what the client sent meanwhile without waiting for more: unread input would make the close a reset.
        InputStream in = socket.getInputStream();
        for (int available; (available = in.available()) > 0; ) {
            if (in.skip(available) <= 0) {
                break;
            }
        }
    }

    private static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> "Status " + code;
        };
    }

    /** At most 100 characters, control characters as {@code ?}: request text echoed in an error message. */
    static String printable(String s) {
        String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            sb.append(c < 0x20 || c == 0x7F ? '?' : c);
        }
        return sb.toString();
    }

    /** The connection's input, buffered, each read bounded by what is left of the deadline. */
    private static final class Input {
        private final Socket socket;
        private final InputStream in;
        private final long deadlineNanos;
        private final long allowedMillis;
        private final byte[] buffer = new byte[4096];
        private int position;
        private int limit;

        Input(Socket socket, long deadlineNanos, long allowedMillis) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadlineNanos = deadlineNanos;
            this.allowedMillis = allowedMillis;
        }

        /** False at the end of the input. */
        private boolean fill() throws IOException {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw timedOut();
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000)));
            int n;
            try {
                n = in.read(buffer, 0, buffer.length);
            } catch (SocketTimeoutException e) {
                throw timedOut();
            }
            if (n < 0) {
                return false;
            }
            position = 0;
            limit = n;
            return true;
        }

        private BadRequest timedOut() {
            return new BadRequest(408, "The request was not complete within " + allowedMillis + " ms, so the"
                    + " status endpoint answered 408 and closed the connection; nothing was renewed or signalled. Is"
                    + " the client sending slowly? Send the whole request at once, as the status command does.");
        }

        /**
         * A line without its CRLF (or LF), as ISO-8859-1; null at the end of the input before any byte.
         *
         * @param header whether the line is part of the headers (or trailers)
         * @throws BadRequest 431 when a header line is longer than {@code max} bytes, 400 when another line is
         */
        String line(int max, boolean header) throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (position == limit && !fill()) {
                    if (sb.length() == 0) {
                        return null;
                    }
                    throw new BadRequest(0, "the client closed the connection in the middle of its request");
                }
                char c = (char) (buffer[position++] & 0xFF);
                if (c == '\n') {
                    int end = sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r' ? sb.length() - 1 : sb.length();
                    return sb.substring(0, end);
                }
                if (sb.length() >= max && !header) {
                    throw new BadRequest(400, "line: more than " + max + " bytes (expected: a chunk size line)");
                }
                if (sb.length() >= max) {
                    throw new BadRequest(431, "headers: more than " + MAX_HEADER_BYTES + " bytes (expected: at most "
                            + MAX_HEADER_BYTES + " for the request line and headers together)");
                }
                sb.append(c);
            }
        }

        void skip(long n) throws IOException {
            while (n > 0) {
                if (position == limit && !fill()) {
                    throw new BadRequest(0, "the client closed the connection in the middle of the body");
                }
                int step = (int) Math.min(n, limit - position);
                position += step;
                n -= step;
            }
        }
    }
}
