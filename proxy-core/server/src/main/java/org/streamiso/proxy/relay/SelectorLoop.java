package org.streamiso.proxy.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.streamiso.socks.Socks5Address;
import org.streamiso.proxy.internal.BufferPool;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;

/**
 * One selector thread of the relay: moves bytes, calls the codec through {@link Stream}, and enforces the timeouts
 * of the streams it was given. Its streams get what they use of it in one {@link StreamContext}. No thread per stream. The first loop of a group also accepts clients and gives each
 * to the loop with the fewest streams (keeping it unless another has at least two fewer, so that a lone client is
 * served without a hand-over). At {@code --max-streams} it evicts the oldest client still in its SOCKS handshake to
 * admit a new one ({@link Admission}).
 *
 * <p><b>Important:</b> nothing a client sends may stop this loop. Every handler runs inside a catch that closes
 * the one stream concerned and goes on.
 */
final class SelectorLoop implements Runnable {
    /** Small pooled buffers kept for reuse beyond those in use; more are allocated on demand and dropped when idle. */
    private static final int MAX_POOLED_SMALL_BUFFERS = 1024;
    /**
     * Direct memory for large relay buffers, shared out among the selector threads: 256 streams whose destination
     * is slow at once with the default 256 KiB buffers; further such streams get 16 KiB buffers.
     */
    static final int LARGE_BUFFER_BUDGET = 64 * 1024 * 1024;
    private static final int MAX_ACCEPTS_PER_EVENT = 64;

    private final RelayConfig config;
    private final Selector selector;
    private final RelayStats stats;
    private final Admission admission;
    private final Log log;
    /** What this loop's streams use of it; built once, passed to each. */
    private final StreamContext context;

    private final List<Listener> listeners = new ArrayList<>();
    /** Insertion order: the status view lists streams oldest first. */
    private final Set<Stream> streams = new java.util.LinkedHashSet<>();
    /** Work handed to the selector thread by other threads (status snapshots). */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Accepted clients handed to this loop by the accepting one. */
    private final ConcurrentLinkedQueue<Handover> handovers = new ConcurrentLinkedQueue<>();
    /** Streams of this loop, counting those handed over and not yet registered; read by the accepting loop. */
    private final AtomicInteger load = new AtomicInteger();
    /** Stream ids, unique in this run across the loops of a group, given at accept. */
    private final AtomicLong streamIds;
    /** Every loop of the group, this one included; set before the threads start. */
    private List<SelectorLoop> group = List.of(this);
    private final long tickNanos;
    private volatile boolean running = true;

    /** An accepted client on its way to the loop that will serve it. */
    private record Handover(ListenerConfig listener, SocketChannel client, Admission.Ticket ticket) {
    }

    /** A bound listening port with its configuration. */
    static final class Listener {
        final ListenerConfig config;
        final ServerSocketChannel channel;

        Listener(ListenerConfig config, ServerSocketChannel channel) {
            this.config = config;
            this.channel = channel;
        }
    }

    SelectorLoop(RelayConfig config, IsolationCredentials credentials, StreamObserver observer, StreamGate gate,
            RelayStats stats, Admission admission, ClientAuthentication authentication, Log log,
            TorSocksPorts socksPorts, AtomicLong streamIds) throws IOException {
        this.config = config;
        this.stats = stats;
        this.admission = admission;
        this.log = log;
        BufferPool pool = new BufferPool(config.bufferSize(),
                Math.max(1, LARGE_BUFFER_BUDGET / config.selectorThreads() / config.bufferSize()),
                MAX_POOLED_SMALL_BUFFERS);
        this.streamIds = streamIds;
        long shortest = Math.min(Math.min(config.handshakeTimeout().toNanos(), config.connectTimeout().toNanos()),
                Math.min(config.replyTimeout().toNanos(), config.stallTimeout().toNanos()));
        // Deadlines are checked a few times per shortest timeout, at most once per 10 ms and at least once a second.
        this.tickNanos = Math.max(10_000_000L, Math.min(1_000_000_000L, shortest / 4));
        this.selector = Selector.open();
        this.context = new StreamContext(config, selector, pool, socksPorts, credentials, observer, gate, stats,
                admission, authentication, log, new Safelog(config.unsafeLogging()), this::removed);
    }

    /** The loops that share the streams, this one included; call before any thread starts. */
    void group(List<SelectorLoop> loops) {
        this.group = List.copyOf(loops);
    }

    /**
     * Binds every listening port; on failure closes those bound so far.
     *
     * @throws IOException naming the address that could not be bound
     */
    List<InetSocketAddress> bind() throws IOException {
        List<InetSocketAddress> bound = new ArrayList<>();
        try {
            for (ListenerConfig listenerConfig : config.listeners()) {
                ServerSocketChannel channel = ServerSocketChannel.open();
                try {
                    channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    channel.bind(listenerConfig.address(), 1024);
                    channel.configureBlocking(false);
                } catch (IOException e) {
                    channel.close();
                    throw new IOException("Could not listen on " + hostPort(listenerConfig.address()) + ": "
                            + e.getMessage() + "; proxy-core did not start. Is another program (tor itself?) using"
                            + " that port? Choose another with --listen.", e);
                }
                Listener listener = new Listener(listenerConfig, channel);
                channel.register(selector, SelectionKey.OP_ACCEPT, listener);
                listeners.add(listener);
                bound.add((InetSocketAddress) channel.getLocalAddress());
            }
        } catch (IOException e) {
            closeListeners();
            selector.close();
            throw e;
        }
        return bound;
    }

    @Override
    public void run() {
        long nextScan = System.nanoTime() + tickNanos;
        try {
            while (running) {
                try {
                    selector.select(Math.max(1, (nextScan - System.nanoTime()) / 1_000_000));
                } catch (IOException e) {
                    log.error("The selector failed: " + e + "; proxy-core stops relaying. This is a JVM or OS"
                            + " failure; restart proxy-core.");
                    return;
                }
                runTasks();
                adoptHandovers();
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    dispatch(key);
                }
                long now = System.nanoTime();
                if (now - nextScan >= 0) {
                    scanDeadlines(now);
                    nextScan = now + tickNanos;
                }
            }
        } finally {
            shutdown();
        }
    }

    private void dispatch(SelectionKey key) {
        Object attachment = key.attachment();
        if (attachment instanceof Listener) {
            accept((Listener) attachment);
            return;
        }
        run((Stream) attachment, key);
    }

    /** Runs one event of {@code stream} (its start when {@code key} is null); a failure closes that stream only. */
    private void run(Stream stream, SelectionKey key) {
        try {
            if (key == null) {
                stream.start();
            } else {
                stream.handle(key);
            }
        } catch (IOException | CancelledKeyException e) {
            stream.closeAfterError(e);
        } catch (RuntimeException e) {
            log.error("Unexpected " + e + " while relaying a stream; that stream was closed and the others go on."
                    + " This is a bug in proxy-core; please report it with this line.");
            stream.close();
        }
    }

    private void accept(Listener listener) {
        for (int i = 0; i < MAX_ACCEPTS_PER_EVENT; i++) {
            SocketChannel client;
            try {
                client = listener.channel.accept();
            } catch (IOException e) {
                // E.g. too many open files: the pending client stays in the backlog until a descriptor frees up.
                log.warn("Could not accept a client on " + hostPort(listener.config.address()) + ": " + e.getMessage()
                        + "; it waits in the backlog. Is the open-files limit (ulimit -n) too low for --max-streams?");
                return;
            }
            if (client == null) {
                return;
            }
            // Reserve the stream's place before it goes to a loop, so that the loops together keep --max-streams;
            // counted as accepted only after, so that whoever sees it accepted also sees it open.
            boolean reserved = admission.reserve();
            stats.accepted.increment();
            if (!reserved) {
                Admission.Ticket evicted = admission.evictOldestHandshake();
                if (evicted == null) {
                    closeQuietly(client);
                    log.debug("Closed a client at accept: " + config.maxStreams() + " streams are open, all past"
                            + " their SOCKS handshake (--max-streams).");
                    continue;
                }
                // The new client holds the evicted stream's place from now on; that stream's loop closes it.
                evicted.loop.submit(() -> evicted.loop.closeEvicted(evicted));
            }
            long id = streamIds.getAndIncrement(); // in accept order, whichever loop serves the stream
            SelectorLoop target = leastLoaded();
            target.load.incrementAndGet();
            Admission.Ticket ticket = admission.handshaking(id, target);
            if (target == this) {
                adopt(listener.config, client, ticket);
            } else {
                target.handovers.add(new Handover(listener.config, client, ticket));
                if (target.running) {
                    target.selector.wakeup();
                } else {
                    target.dropHandovers();
                }
            }
        }
    }

    /**
     * The loop with the fewest streams; this one unless another has at least two fewer. A hand-over costs the other
     * thread a wake-up before the client's greeting is read, and a client that opens streams one after another
     * often connects again before its last stream's close was read, so a difference of one keeps them here.
     */
    private SelectorLoop leastLoaded() {
        SelectorLoop best = this;
        int fewest = load.get() - 1;
        for (SelectorLoop loop : group) {
            int n = loop.load.get();
            if (n < fewest) {
                best = loop;
                fewest = n;
            }
        }
        return best;
    }

    private void adoptHandovers() {
        for (Handover h; (h = handovers.poll()) != null; ) {
            adopt(h.listener(), h.client(), h.ticket());
        }
    }

    /** Closes clients handed over to a loop that has stopped; they were never served. */
    private void dropHandovers() {
        for (Handover h; (h = handovers.poll()) != null; ) {
            closeQuietly(h.client());
            load.decrementAndGet();
            admission.release(h.ticket());
        }
    }

    /** Starts serving an accepted client on this loop; its place was reserved in {@link Admission} and load. */
    private void adopt(ListenerConfig listenerConfig, SocketChannel client, Admission.Ticket ticket) {
        if (admission.evicted(ticket)) {
            // Evicted while on its way here: it was never served, and its place went to a newer client.
            closeQuietly(client);
            load.decrementAndGet();
            admission.release(ticket);
            log.debug("Closed a client still in its SOCKS handshake to admit a new one (--max-streams).");
            return;
        }
        Stream stream;
        try {
            client.configureBlocking(false);
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            stream = new Stream(context, listenerConfig, client, ticket);
            stream.register();
            streams.add(stream);
            ticket.stream = stream;
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
            load.decrementAndGet();
            admission.release(ticket);
            log.warn("Could not set up an accepted client: " + e + "; it was closed.");
            return;
        }
        run(stream, null);
    }

    /**
     * Closes a stream of this loop evicted to admit a new client, unless it has closed or finished its handshake
     * meanwhile (then it closes itself when it sees the eviction); selector thread only.
     */
    private void closeEvicted(Admission.Ticket ticket) {
        Stream stream = ticket.stream;
        if (stream != null && streams.contains(stream) && admission.evicted(ticket)) {
            log.debug("Closed a client still in its SOCKS handshake to admit a new one (--max-streams).");
            stream.close();
        }
        // Not adopted yet: adopt() sees the eviction and closes the client.
    }

    /** Called by a stream when it closes. */
    private void removed(Stream stream) {
        if (streams.remove(stream)) {
            load.decrementAndGet();
            admission.release(stream.ticket);
        }
    }

    private void scanDeadlines(long now) {
        for (Stream stream : streams.toArray(new Stream[0])) {
            try {
                stream.checkDeadline(now);
            } catch (RuntimeException e) {
                log.error("Unexpected " + e + " while checking a stream's timeouts; that stream was closed."
                        + " This is a bug in proxy-core; please report it with this line.");
                stream.close();
            }
        }
    }

    /**
     * Runs {@code task} on the selector thread soon; false when the loop has stopped (the task will not run).
     */
    boolean submit(Runnable task) {
        if (!running) {
            return false;
        }
        tasks.add(task);
        selector.wakeup();
        return true;
    }

    private void runTasks() {
        for (Runnable task; (task = tasks.poll()) != null; ) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("Unexpected " + e + " in a status task; it was skipped and relaying goes on. This is a bug"
                        + " in proxy-core; please report it with this line.");
            }
        }
    }

    /** This loop's streams now, oldest first; selector thread only. */
    List<StreamStatus> snapshot() {
        List<StreamStatus> open = new ArrayList<>(streams.size());
        for (Stream stream : streams) {
            open.add(stream.status());
        }
        return open;
    }

    void stop() {
        running = false;
        selector.wakeup();
    }

    private void shutdown() {
        running = false;
        for (Stream stream : streams.toArray(new Stream[0])) {
            stream.close();
        }
        dropHandovers();
        closeListeners();
        try {
            selector.close();
        } catch (IOException ignored) {
            // Closing: nothing left to do with it.
        }
    }

    /** Closes the selector of a loop whose thread never started. */
    void closeSelector() {
        closeListeners();
        try {
            selector.close();
        } catch (IOException ignored) {
            // Closing: nothing left to do with it.
        }
    }

    private void closeListeners() {
        for (Listener listener : listeners) {
            closeQuietly(listener.channel);
        }
    }

    static void closeQuietly(java.nio.channels.Channel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failed or closed: nothing to tell.
            }
        }
    }

    static String hostPort(InetSocketAddress address) {
        return Socks5Address.format(address);
    }
}
