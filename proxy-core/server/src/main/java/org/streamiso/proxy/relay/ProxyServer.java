package org.streamiso.proxy.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>A few selector threads (one per core by default) serve every stream, each stream on one of them;
 * {@link #close()} stops them and closes every connection.
 */
public final class ProxyServer implements AutoCloseable {
    private final List<SelectorLoop> loops;
    private final List<Thread> threads;
    private final List<InetSocketAddress> listenAddresses;
    private final RelayStats stats;
    private final TorSocksPorts socksPorts;

    private ProxyServer(List<SelectorLoop> loops, List<InetSocketAddress> listenAddresses, RelayStats stats,
            TorSocksPorts socksPorts) {
        this.loops = List.copyOf(loops);
        this.listenAddresses = List.copyOf(listenAddresses);
        this.stats = stats;
        this.socksPorts = socksPorts;
        List<Thread> t = new ArrayList<>(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            t.add(new Thread(loops.get(i), "streamiso-proxy-core-selector-" + i));
        }
        this.threads = List.copyOf(t);
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
        Admission admission = new Admission(config.maxStreams(), stats, log);
        TorSocksPorts socksPorts = new TorSocksPorts(config.torSocksPorts(), log);
        ClientAuthentication authentication = new ClientAuthentication(log);
        AtomicLong streamIds = new AtomicLong(1);
        List<SelectorLoop> loops = new ArrayList<>(config.selectorThreads());
        List<InetSocketAddress> bound;
        try {
            for (int i = 0; i < config.selectorThreads(); i++) {
                loops.add(new SelectorLoop(config, credentials, observer, gate, stats, admission, authentication,
                        log, socksPorts, streamIds));
            }
            bound = loops.get(0).bind();
        } catch (IOException | RuntimeException e) {
            for (SelectorLoop loop : loops) {
                loop.closeSelector();
            }
            throw e;
        }
        for (SelectorLoop loop : loops) {
            loop.group(loops);
        }
        ProxyServer server = new ProxyServer(loops, bound, stats, socksPorts);
        for (Thread thread : server.threads) {
            thread.start();
        }
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
     * The open streams and the SocksPorts' state, each selector thread's streams taken between two of its events.
     *
     * @throws IOException when the relay has stopped or did not answer within {@code timeout}
     */
    public RelaySnapshot snapshot(Duration timeout) throws IOException {
        List<CompletableFuture<List<StreamStatus>>> parts = new ArrayList<>(loops.size());
        for (SelectorLoop loop : loops) {
            CompletableFuture<List<StreamStatus>> part = new CompletableFuture<>();
            if (!loop.submit(() -> part.complete(loop.snapshot()))) {
                throw new IOException("The relay has stopped; there is nothing to show.");
            }
            parts.add(part);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<StreamStatus> streams = new ArrayList<>();
        try {
            for (CompletableFuture<List<StreamStatus>> part : parts) {
                streams.addAll(part.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
        } catch (TimeoutException e) {
            throw new IOException("The relay's selector thread did not answer within " + timeout.toMillis()
                    + " ms; no status was taken. Is the machine overloaded (see the open streams and CPU)?", e);
        } catch (ExecutionException e) {
            throw new IOException("Taking the status failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while taking the status", e);
        }
        // Ids grow with accept order, across the selector threads: oldest first.
        streams.sort(Comparator.comparingLong(StreamStatus::id));
        return new RelaySnapshot(streams, socksPorts.status());
    }

    /**
     * Tor SocksPort {@code index} (in {@link RelayConfig#torSocksPorts()} order) is up at {@code address}: new
     * streams may go there. Called when a launched tor has bootstrapped, on the port it chose this time.
     */
    public void socksPortAvailable(int index, InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        socksPorts.available(index, address);
    }

    /**
     * Tor SocksPort {@code index} is not to be tried until {@link #socksPortAvailable}: its launched tor died or is
     * bootstrapping. Keys that used it move to another SocksPort; with none left, clients get SOCKS reply 0x01.
     */
    public void socksPortUnavailable(int index) {
        socksPorts.unavailable(index);
    }

    /** Blocks until the relay stops. */
    public void join() throws InterruptedException {
        for (Thread thread : threads) {
            thread.join();
        }
    }

    /** Stops relaying: every connection and listening port is closed when this returns (or within 10 s). */
    @Override
    public void close() {
        for (SelectorLoop loop : loops) {
            loop.stop();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            for (Thread thread : threads) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
