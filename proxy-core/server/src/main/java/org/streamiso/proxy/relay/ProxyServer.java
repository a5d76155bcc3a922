package org.streamiso.proxy.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.streamiso.proxy.internal.Log;

/**
 * The relay of proxy-core: SOCKS5 listening ports whose every stream goes through a Tor SocksPort, with isolation
 * credentials that combine the client's key and the port's policy.
 *
 * <pre>{@code
 * try (ProxyServer server = ProxyServer.start(RelayConfig.of(listeners, socksPorts), StreamGate.OPEN,
 *         StreamObserver.NONE, log)) {
 *     InetSocketAddress socksPort = server.listenAddresses().get(0);
 *     ...
 * }
 * }</pre>
 *
 * <p>One selector thread serves every stream; {@link #close()} stops it and closes every connection.
 */
public final class ProxyServer implements AutoCloseable {
    private final SelectorLoop loop;
    private final Thread thread;
    private final List<InetSocketAddress> listenAddresses;
    private final RelayStats stats;

    private ProxyServer(SelectorLoop loop, List<InetSocketAddress> listenAddresses, RelayStats stats) {
        this.loop = loop;
        this.listenAddresses = List.copyOf(listenAddresses);
        this.stats = stats;
        this.thread = new Thread(loop, "streamiso-proxy-core-selector");
    }

    /**
     * Binds every listening port and starts relaying.
     *
     * @throws IOException when a listening port cannot be bound; nothing is left listening
     */
    public static ProxyServer start(RelayConfig config, IsolationCredentials credentials, StreamGate gate,
            StreamObserver observer, Log log) throws IOException {
        Objects.requireNonNull(config, "config");
        RelayStats stats = new RelayStats();
        SelectorLoop loop = new SelectorLoop(config, credentials, observer, gate, stats, log);
        List<InetSocketAddress> bound = loop.bind();
        ProxyServer server = new ProxyServer(loop, bound, stats);
        server.thread.start();
        return server;
    }

    /** The bound listening addresses, in the order configured (with the real port where 0 was asked). */
    public List<InetSocketAddress> listenAddresses() {
        return listenAddresses;
    }

    public RelayStats stats() {
        return stats;
    }

    /**
     * The open streams and the SocksPorts' state, taken on the selector thread between two events.
     *
     * @throws IOException when the relay has stopped or did not answer within {@code timeout}
     */
    public RelaySnapshot snapshot(Duration timeout) throws IOException {
        CompletableFuture<RelaySnapshot> result = new CompletableFuture<>();
        if (!loop.submit(() -> result.complete(loop.snapshot()))) {
            throw new IOException("The relay has stopped; there is nothing to show.");
        }
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("The relay's selector thread did not answer within " + timeout.toMillis()
                    + " ms; no status was taken. Is the machine overloaded (see the open streams and CPU)?", e);
        } catch (ExecutionException e) {
            throw new IOException("Taking the status failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while taking the status", e);
        }
    }

    /** Blocks until the relay stops. */
    public void join() throws InterruptedException {
        thread.join();
    }

    /** Stops relaying: every connection and listening port is closed when this returns (or within 10 s). */
    @Override
    public void close() {
        loop.stop();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
