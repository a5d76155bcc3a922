package org.streamiso.testing;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback port that only counts what reaches it: the TCP connections accepted on it and the UDP datagrams received
 * on it (both on the same port number). A direct connection or a datagram that leaked lands here, so a leak-free run
 * leaves both counts at 0.
 */
public final class Canary implements AutoCloseable {
    private static final int BIND_ATTEMPTS = 20;

    private final ServerSocket tcp;
    private final DatagramSocket udp;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger received = new AtomicInteger();

    /** Opens a TCP listener and a UDP socket on one free loopback port and starts counting. */
    public Canary() throws IOException {
        this(bind());
    }

    private record Sockets(ServerSocket tcp, DatagramSocket udp) {
    }

    private static Sockets bind() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 1; ; attempt++) {
            ServerSocket server = new ServerSocket(0, 50, loopback);
            try {
                return new Sockets(server, new DatagramSocket(new InetSocketAddress(loopback, server.getLocalPort())));
            } catch (BindException taken) {
                server.close();
                if (attempt == BIND_ATTEMPTS) {
                    throw new IOException("no loopback port was free for both TCP and UDP in " + BIND_ATTEMPTS
                            + " attempts; the canary did not start. Are the machine's ephemeral ports used up?", taken);
                }
            }
        }
    }

    private Canary(Sockets sockets) {
        tcp = sockets.tcp();
        udp = sockets.udp();
        count("canary-tcp", () -> {
            try (Socket s = tcp.accept()) {
                accepted.incrementAndGet();
            }
        });
        byte[] buffer = new byte[2048];
        count("canary-udp", () -> {
            udp.receive(new DatagramPacket(buffer, buffer.length));
            received.incrementAndGet();
        });
    }

    private interface Step {
        void run() throws IOException;
    }

    /** Runs {@code step} on a daemon thread until it throws, which it does once the canary is closed. */
    private static void count(String name, Step step) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    step.run();
                }
            } catch (IOException closed) {
                // The canary was closed.
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** The port, the same for TCP and UDP. */
    public int port() {
        return tcp.getLocalPort();
    }

    /** How many TCP connections reached it so far. */
    public int accepted() {
        return accepted.get();
    }

    /** How many datagrams reached it so far. */
    public int received() {
        return received.get();
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }

    /** A loopback port with nothing listening: a SocksPort that is down. */
    public static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
