package org.streamiso.proxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Unix socket file that forwards each connection to a TCP port on 127.0.0.1: the way into this JVM's loopback
 * from a network namespace of its own (a socket file is reachable from every network namespace; a loopback port is
 * not). {@link HeadlessChromium} puts a {@code socat} on the other side, listening on the same port number inside
 * the namespace.
 */
public final class UnixBridge implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path file;
    private final InetSocketAddress target;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private UnixBridge(ServerSocketChannel server, Path file, InetSocketAddress target) {
        this.server = server;
        this.file = file;
        this.target = target;
    }

    /** Listens on {@code file} and forwards to {@code target}. */
    public static UnixBridge start(Path file, InetSocketAddress target) throws IOException {
        Files.deleteIfExists(file);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(file));
        UnixBridge bridge = new UnixBridge(server, file, target);
        Thread accept = new Thread(bridge::acceptLoop, "unix-bridge-" + target.getPort());
        accept.setDaemon(true);
        accept.start();
        return bridge;
    }

    public Path file() {
        return file;
    }

    public InetSocketAddress target() {
        return target;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel from = server.accept();
                SocketChannel to = SocketChannel.open(target);
                open.add(from);
                open.add(to);
                pump(from, to);
                pump(to, from);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("unix bridge to " + target + ": " + e);
                }
            }
        }
    }

    /** Copies {@code from} to {@code to} until the end, then half-closes {@code to}. */
    private void pump(SocketChannel from, SocketChannel to) {
        Thread t = new Thread(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            try {
                while (from.read(buffer) >= 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "unix-bridge-pump");
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(SocketChannel channel) {
        open.remove(channel);
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a bridged connection: nothing to tell.
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (SocketChannel channel : open) {
            closeQuietly(channel);
        }
        Files.deleteIfExists(file);
    }
}
