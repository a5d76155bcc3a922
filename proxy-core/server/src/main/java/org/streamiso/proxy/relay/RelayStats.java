package org.streamiso.proxy.relay;

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
    final LongAdder malformed = new LongAdder();
    final LongAdder timedOut = new LongAdder();
    final LongAdder upstreamFailures = new LongAdder();
    final LongAdder bytesFromClients = new LongAdder();
    final LongAdder bytesToClients = new LongAdder();

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
                + " refusedByTor=" + refusedByTor() + " refusedByProxy=" + refusedByProxy() + " malformed=" + malformed()
                + " timedOut=" + timedOut() + " upstreamFailures=" + upstreamFailures() + " bytesFromClients="
                + bytesFromClients() + " bytesToClients=" + bytesToClients();
    }
}
