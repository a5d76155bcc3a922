package org.streamiso.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on 127.0.0.1 in front of one of Tor's ports, for fault tests: {@link #stop()} makes that port
 * vanish as if tor had been killed (the listener closes and every connection is reset), {@link #restart()} brings
 * it back on the same port as if tor had been started again. One thread per direction: a fixture, not the thing
 * under test.
 */
public final class TcpForwarder implements AutoCloseable {
    private final InetSocketAddress target;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile ServerSocket server;

    private TcpForwarder(InetSocketAddress target, ServerSocket server) {
        this.target = target;
        this.server = server;
        this.port = server.getLocalPort();
    }

    /** Forwards a free port of 127.0.0.1 to {@code target}. */
    public static TcpForwarder start(InetSocketAddress target) throws IOException {
        TcpForwarder forwarder = new TcpForwarder(target, listen(0));
        forwarder.acceptInBackground();
        return forwarder;
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        return server;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Connections accepted since start. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Closes the listener and resets every forwarded connection, both sides. */
    public synchronized void stop() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            try {
                socket.setSoLinger(true, 0); // a reset, as when the process holding the socket dies
            } catch (IOException ignored) {
                // Already closed.
            }
            socket.close();
        }
        sockets.clear();
    }

    /** Listens again on the same port. */
    public synchronized void restart() throws IOException {
        if (!server.isClosed()) {
            throw new IllegalStateException("the forwarder on port " + port + " is running; stop() it first");
        }
        server = listen(port);
        acceptInBackground();
    }

    private void acceptInBackground() {
        ServerSocket listening = server;
        Thread thread = new Thread(() -> acceptLoop(listening), "forwarder-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    private void acceptLoop(ServerSocket listening) {
        while (!listening.isClosed()) {
            Socket client;
            try {
                client = listening.accept();
            } catch (IOException closed) {
                return;
            }
            accepted.incrementAndGet();
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 10_000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            pump(client, upstream);
            pump(upstream, client);
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "forwarder-pump-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
