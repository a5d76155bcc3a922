package org.streamiso.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** A loopback UDP socket that only counts datagrams: a datagram that leaked lands here. */
public final class UdpCanary implements AutoCloseable {
    private final DatagramSocket socket;
    private final AtomicInteger received = new AtomicInteger();

    public UdpCanary() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!socket.isClosed()) {
                try {
                    socket.receive(new DatagramPacket(buf, buf.length));
                    received.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "udp-canary");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** How many datagrams reached it so far: a leak-free run leaves it at 0. */
    public int received() {
        return received.get();
    }

    @Override
    public void close() {
        socket.close();
    }
}
