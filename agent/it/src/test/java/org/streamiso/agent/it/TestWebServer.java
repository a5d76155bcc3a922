package org.streamiso.agent.it;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A web server on loopback that answers {@code hello from streamiso test: /PATH}; {@code main(PORT)} runs one on
 * that port until the JVM is ended ({@code main(PORT, "any")} on every address, inside a loopback-only namespace).
 */
final class TestWebServer implements AutoCloseable {
    static final String GREETING = "hello from streamiso test";
    private final HttpServer server;

    TestWebServer() throws IOException {
        this(0);
    }

    TestWebServer(int port) throws IOException {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    private TestWebServer(InetSocketAddress address) throws IOException {
        server = HttpServer.create(address, 50);
        server.createContext("/", exchange -> {
            byte[] body = (GREETING + ": " + exchange.getRequestURI().getPath() + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-web-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** {@code PORT [any]}: on loopback, or with {@code any} on the wildcard (inside a loopback-only namespace). */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        if (args.length > 1 && args[1].equals("any")) {
            new TestWebServer(new InetSocketAddress(port));
        } else {
            new TestWebServer(port);
        }
        Thread.currentThread().join(); // serves on daemon threads until the JVM is ended
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
