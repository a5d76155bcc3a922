package org.streamiso.proxy.relay;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the relay, written by the selector thread and readable from any thread.
 */
public final class RelayStats {
    final LongAdder accepted = new LongAdder();
    final AtomicLong open = new AtomicLong();
    final LongAdder relayed = new LongAdder();
    final LongAdder resolved = new LongAdder();
    final LongAdder refusedByTor = new LongAdder();
    final LongAdder refusedByProxy = new LongAdder();
    final LongAdder evictedInHandshake = new LongAdder();
    final LongAdder refusedAtMaxStreams = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder timedOut = new LongAdder();
    final LongAdder upstreamFailures = new LongAdder();
    final LongAdder bytesFromClients = new LongAdder();
    final LongAdder bytesToClients = new LongAdder();

    /**
     * Client keys whose refusals are counted one by one; refusals of further keys count in the totals only, so that
     * a client inventing usernames cannot grow this map without end.
     */
    public static final int MAX_KEYS_WITH_REFUSALS = 1024;

    /**
     * The refusals of one client key from one client address.
     *
     * @param clientAddress  the client's address, or null when it had gone by the time of the refusal
     * @param clientKey      its key (in clear: the status model scrubs it), {@link ClientKey#NONE} when it sent none
     * @param refusedByTor   requests Tor answered with a failure reply
     * @param refusedByProxy requests proxy-core refused itself
     */
    public record KeyRefusals(InetAddress clientAddress, ClientKey clientKey, long refusedByTor, long refusedByProxy) {
    }

    private record KeyId(InetAddress clientAddress, ClientKey clientKey) {
    }

    private static final class Refusals {
        final LongAdder byTor = new LongAdder();
        final LongAdder byProxy = new LongAdder();
    }

    private final Map<KeyId, Refusals> refusalsByKey = new ConcurrentHashMap<>();

    /** Counts one refusal in the totals and, within {@link #MAX_KEYS_WITH_REFUSALS}, for its client key. */
    void refused(InetAddress clientAddress, ClientKey clientKey, boolean byTor) {
        (byTor ? refusedByTor : refusedByProxy).increment();
        KeyId id = new KeyId(clientAddress, clientKey);
        Refusals refusals = refusalsByKey.get(id);
        if (refusals == null) {
            if (refusalsByKey.size() >= MAX_KEYS_WITH_REFUSALS) {
                return;
            }
            refusals = refusalsByKey.computeIfAbsent(id, k -> new Refusals());
        }
        (byTor ? refusals.byTor : refusals.byProxy).increment();
    }

    /** The refusals counted per client key since start (see {@link #MAX_KEYS_WITH_REFUSALS}), in no order. */
    public List<KeyRefusals> refusalsByKey() {
        List<KeyRefusals> out = new ArrayList<>(refusalsByKey.size());
        for (Map.Entry<KeyId, Refusals> e : refusalsByKey.entrySet()) {
            out.add(new KeyRefusals(e.getKey().clientAddress(), e.getKey().clientKey(), e.getValue().byTor.sum(),
                    e.getValue().byProxy.sum()));
        }
        return out;
    }

    /** Client connections accepted. */
    public long accepted() {
        return accepted.sum();
    }

    /** Client connections open now. */
    public long open() {
        return open.get();
    }

    /** CONNECT streams that Tor accepted and that were relayed. */
    public long relayed() {
        return relayed.sum();
    }

    /** RESOLVE and RESOLVE_PTR requests that Tor answered. */
    public long resolved() {
        return resolved.sum();
    }

    /** Requests that Tor answered with a failure reply (relayed to the client as they were). */
    public long refusedByTor() {
        return refusedByTor.sum();
    }

    /** Requests proxy-core refused itself: no SocksPort reachable, Tor not bootstrapped, too many streams, bad password. */
    public long refusedByProxy() {
        return refusedByProxy.sum();
    }

    /**
     * Clients closed in their SOCKS handshake to admit a new client when {@code --max-streams} streams were open
     * (the oldest such client each time).
     */
    public long evictedInHandshake() {
        return evictedInHandshake.sum();
    }

    /**
     * Clients closed at accept because {@code --max-streams} streams were open, every one past its SOCKS handshake;
     * also counted in {@link #refusedByProxy()}.
     */
    public long refusedAtMaxStreams() {
        return refusedAtMaxStreams.sum();
    }

    /** Clients whose SOCKS input was malformed or unsupported. */
    public long malformed() {
        return malformed.sum();
    }

    /** Connections closed by a timeout: slow handshake, silent Tor, stalled peer. */
    public long timedOut() {
        return timedOut.sum();
    }

    /** Connections to a Tor SocksPort that failed (refused, closed, timed out, or not SOCKS5 with username/password). */
    public long upstreamFailures() {
        return upstreamFailures.sum();
    }

    public long bytesFromClients() {
        return bytesFromClients.sum();
    }

    public long bytesToClients() {
        return bytesToClients.sum();
    }

    @Override
    public String toString() {
        return "accepted=" + accepted() + " open=" + open() + " relayed=" + relayed() + " resolved=" + resolved()
                + " refusedByTor=" + refusedByTor() + " refusedByProxy=" + refusedByProxy() + " evictedInHandshake="
                + evictedInHandshake() + " refusedAtMaxStreams=" + refusedAtMaxStreams() + " malformed=" + malformed()
                + " timedOut=" + timedOut() + " upstreamFailures=" + upstreamFailures() + " bytesFromClients="
                + bytesFromClients() + " bytesToClients=" + bytesToClients();
    }
}
