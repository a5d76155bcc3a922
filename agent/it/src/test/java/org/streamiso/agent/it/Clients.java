package org.streamiso.agent.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketImpl;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * An unmodified application for the forked-JVM tests: fetches {@code http://HOST:PORT/PATH} over one of
 * the JDK's TCP paths and prints {@code OK <first line of the body>} or {@code EXC <exception>}.
 *
 * <p>Usage: {@code Clients PATH HOST PORT}; PATH {@code all} runs every path in one JVM, one line each.
 */
public final class Clients {
    /** Every TCP path of the JDK that the agent must route; the virtual-thread ones need JDK 21+. */
    public static final List<String> PATHS = List.of("socket", "socket-no-proxy", "url-connection",
            "url-open-stream", "channel-blocking", "channel-non-blocking", "channel-adaptor", "async-future",
            "async-handler", "http-client-sync", "http-client-async", "virtual-thread-socket",
            "virtual-thread-channel", "socket-impl-factory");

    private Clients() {
    }

    public static void main(String[] args) throws Exception {
        String path = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        if (path.equals("all")) {
            // Every path in one JVM, for the syscall trace; the SocketImplFactory stays set, so it goes last.
            for (String p : PATHS) {
                if (!p.startsWith("virtual-thread") || Runtime.version().feature() >= 21) {
                    System.out.print(p + ": ");
                    run(p, host, port);
                }
            }
            return;
        }
        run(path, host, port);
    }

    private static void run(String path, String host, int port) {
        report(() -> firstLine(fetch(path, host, port)));
    }

    /** Prints {@code OK <result>}, or {@code EXC <exception>} and a {@code CAUSE} line for each cause. */
    static void report(Callable<String> call) {
        try {
            System.out.println("OK " + call.call());
        } catch (Throwable e) {
            System.out.println("EXC " + e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                System.out.println("CAUSE " + c);
            }
        }
        System.out.flush();
    }

    static String fetch(String path, String host, int port) throws Exception {
        return fetch(path, path, host, port);
    }

    /** Fetches {@code /path} over the JDK path {@code kind}. */
    static String fetch(String kind, String path, String host, int port) throws Exception {
        String request = "GET /" + path + " HTTP/1.0\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
        switch (kind) {
            case "socket":
                try (Socket s = new Socket(host, port)) {
                    return exchange(s, request);
                }
            case "socket-no-proxy":
                try (Socket s = new Socket(Proxy.NO_PROXY)) {
                    s.connect(new InetSocketAddress(host, port), 10_000);
                    return exchange(s, request);
                }
            case "socket-impl-factory":
                Socket.setSocketImplFactory(DelegatingImplFactory::create);
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), 10_000);
                    return exchange(s, request);
                }
            case "url-connection": {
                HttpURLConnection c = (HttpURLConnection) new URL("http://" + host + ":" + port + "/" + path)
                        .openConnection();
                c.setConnectTimeout(10_000);
                c.setReadTimeout(10_000);
                try (InputStream in = c.getInputStream()) {
                    return "HTTP " + c.getResponseCode() + "\n" + new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            case "url-open-stream":
                try (InputStream in = new URL("http://" + host + ":" + port + "/" + path).openStream()) {
                    return "HTTP 200\n" + new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            case "channel-blocking":
                try (SocketChannel ch = SocketChannel.open()) {
                    ch.connect(InetSocketAddress.createUnresolved(host, port));
                    return exchange(ch, request);
                }
            case "channel-non-blocking":
                return nonBlocking(host, port, request);
            case "channel-adaptor":
                try (SocketChannel ch = SocketChannel.open()) {
                    ch.socket().connect(InetSocketAddress.createUnresolved(host, port), 10_000);
                    return exchange(ch, request);
                }
            case "async-future":
                try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                    ch.connect(InetSocketAddress.createUnresolved(host, port)).get(30, TimeUnit.SECONDS);
                    return exchange(ch, request);
                }
            case "async-handler":
                try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    ch.connect(InetSocketAddress.createUnresolved(host, port), null,
                            new CompletionHandler<Void, Object>() {
                                @Override
                                public void completed(Void result, Object attachment) {
                                    done.complete(null);
                                }

                                @Override
                                public void failed(Throwable exc, Object attachment) {
                                    done.completeExceptionally(exc);
                                }
                            });
                    try {
                        done.get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw (Exception) e.getCause();
                    }
                    return exchange(ch, request);
                }
            case "http-client-sync": {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                HttpResponse<String> r = client.send(httpRequest(host, port, path), HttpResponse.BodyHandlers.ofString());
                return "HTTP " + r.statusCode() + "\n" + r.body();
            }
            case "http-client-async": {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                try {
                    HttpResponse<String> r = client.sendAsync(httpRequest(host, port, path),
                            HttpResponse.BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
                    return "HTTP " + r.statusCode() + "\n" + r.body();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw (Exception) e.getCause();
                }
            }
            case "virtual-thread-socket":
                return onVirtualThread(() -> fetch("socket", path, host, port));
            case "virtual-thread-channel":
                return onVirtualThread(() -> fetch("channel-blocking", path, host, port));
            default:
                throw new IllegalArgumentException("path: " + kind + " (expected one of " + PATHS + ")");
        }
    }

    private static HttpRequest httpRequest(String host, int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/" + path))
                .timeout(Duration.ofSeconds(30)).build();
    }

    /** Runs on a virtual thread (JDK 21+), found by reflection so that this class compiles for release 17. */
    private static String onVirtualThread(Callable<String> task) throws Exception {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        CompletableFuture<String> result = new CompletableFuture<>();
        Runnable r = () -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        };
        Thread t = (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, r);
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause();
        } finally {
            t.join(1000);
        }
    }

    private static String exchange(Socket s, String request) throws IOException {
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String exchange(SocketChannel ch, String request) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            ch.write(out);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.allocate(4096);
        while (ch.read(in) >= 0) {
            body.write(in.array(), 0, in.position());
            in.clear();
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static String exchange(AsynchronousSocketChannel ch, String request) throws Exception {
        ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            ch.write(out).get(30, TimeUnit.SECONDS);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.allocate(4096);
        while (ch.read(in).get(30, TimeUnit.SECONDS) >= 0) {
            body.write(in.array(), 0, in.position());
            in.clear();
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    /** A non-blocking channel driven by a Selector, as an event loop would drive it. */
    private static String nonBlocking(String host, int port, String request) throws IOException {
        try (Selector selector = Selector.open(); SocketChannel ch = SocketChannel.open()) {
            ch.configureBlocking(false);
            SelectionKey key = ch.register(selector, SelectionKey.OP_CONNECT);
            boolean connected = ch.connect(InetSocketAddress.createUnresolved(host, port));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!connected) {
                selector.select(1000);
                if (System.nanoTime() > deadline) {
                    throw new IOException("connect timed out");
                }
                if (key.isConnectable()) {
                    connected = ch.finishConnect();
                }
                selector.selectedKeys().clear();
            }
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            key.interestOps(SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                selector.select(1000);
                ch.write(out);
                selector.selectedKeys().clear();
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (true) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("read timed out");
                }
                selector.select(1000);
                selector.selectedKeys().clear();
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                body.write(in.array(), 0, in.position());
                in.clear();
            }
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    private static String firstLine(String response) {
        // The body follows the blank line of a raw HTTP/1.0 response, or the "HTTP nnn" line we made.
        int blank = response.indexOf("\r\n\r\n");
        String body = blank >= 0 ? response.substring(blank + 4) : response.substring(response.indexOf('\n') + 1);
        String status = response.startsWith("HTTP/1.") ? response.substring(0, response.indexOf('\r'))
                : response.substring(0, response.indexOf('\n'));
        int eol = body.indexOf('\n');
        return status + " | " + (eol >= 0 ? body.substring(0, eol) : body);
    }

    /** A SocketImplFactory of the application's that wraps a platform socket, as monitoring libraries do. */
    static final class DelegatingImplFactory {
        static SocketImpl create() {
            return new DelegatingImpl();
        }
    }

    /** Connects through an inner socket (a channel's adaptor: a plain Socket would recurse into the factory). */
    static final class DelegatingImpl extends SocketImpl {
        private final Socket inner;

        DelegatingImpl() {
            try {
                inner = SocketChannel.open().socket();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override protected void create(boolean stream) { }
        @Override protected void connect(String host, int port) throws IOException { connect(new InetSocketAddress(host, port), 0); }
        @Override protected void connect(java.net.InetAddress address, int port) throws IOException { connect(new InetSocketAddress(address, port), 0); }
        @Override protected void connect(java.net.SocketAddress address, int timeout) throws IOException { inner.connect(address, timeout); }
        @Override protected void bind(java.net.InetAddress host, int port) throws IOException { inner.bind(new InetSocketAddress(host, port)); }
        @Override protected void listen(int backlog) { throw new UnsupportedOperationException(); }
        @Override protected void accept(SocketImpl s) { throw new UnsupportedOperationException(); }
        @Override protected InputStream getInputStream() throws IOException { return inner.getInputStream(); }
        @Override protected OutputStream getOutputStream() throws IOException { return inner.getOutputStream(); }
        @Override protected int available() throws IOException { return inner.getInputStream().available(); }
        @Override protected void close() throws IOException { inner.close(); }
        @Override protected void sendUrgentData(int data) { throw new UnsupportedOperationException(); }
        @Override public void setOption(int optID, Object value) throws java.net.SocketException {
            if (optID == SO_TIMEOUT) {
                inner.setSoTimeout((Integer) value);
            }
        }
        @Override public Object getOption(int optID) throws java.net.SocketException {
            return optID == SO_TIMEOUT ? inner.getSoTimeout() : null;
        }
    }
}
