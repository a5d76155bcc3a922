package org.streamiso.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP echo listener on 127.0.0.1: every byte a connection sends comes back on it, and it counts the connections
 * that reached it (so, used as a canary, it shows that nothing arrived).
 *
 * <p>It is the destination that tests reach through Tor, and the private Tor network's readiness probe: a listener
 * of our own, not a relay's port, because exits refuse to connect to the ORPorts and DirPorts of relays in the
 * consensus.
 */
public final class EchoServer implements AutoCloseable {

    private final ServerSocket serverSocket;
    private final AtomicInteger accepted = new AtomicInteger();

    private EchoServer(ServerSocket serverSocket) {
        this.serverSocket = serverSocket;
    }

    /** Binds a free port on 127.0.0.1 and starts accepting. */
    public static EchoServer start() throws IOException {
        EchoServer server = new EchoServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Thread thread = new Thread(server::acceptLoop, "streamiso-echo-" + server.port());
        thread.setDaemon(true);
        thread.start();
        return server;
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    /** How many connections reached the listener so far. */
    public int acceptedConnections() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                accepted.incrementAndGet();
                Thread echo = new Thread(() -> echo(socket), "streamiso-echo-connection");
                echo.setDaemon(true);
                echo.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // The peer went away; there is nobody left to echo to.
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
    }
}
