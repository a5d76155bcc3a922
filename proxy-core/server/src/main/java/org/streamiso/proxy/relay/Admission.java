package org.streamiso.proxy.relay;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.streamiso.proxy.internal.Log;

/**
 * The places under {@code --max-streams}, shared by the selector threads: a client takes one at accept and gives it
 * back when its stream closes. When every place is taken, the oldest stream still in its SOCKS handshake (accepted,
 * its request not yet complete) is closed and its place goes to the new client; only when every stream is past its
 * handshake is the new client refused at accept. Both are counted in {@link RelayStats}; the first of each is
 * logged as a warning, later ones are only counted.
 *
 * <p>Why evict instead of keeping a share of the places for streams past their handshake: every place stays usable
 * by any client, and clients that connect and send nothing (a port scan, a pool that opens connections ahead of
 * use) cannot lock everyone out until the handshake timeout; each costs its place as soon as a new client needs
 * it. A real client sends its greeting and request within a few round trips, so it is seldom the oldest
 * unfinished one. For a moment after an eviction one connection more than {@code --max-streams} is open: the new
 * client's, before the evicted one's selector thread has closed it.
 *
 * <p><b>Important:</b> a place changes hands exactly once. Whoever takes a stream's ticket out of the handshake
 * queue owns its place: the stream's own selector thread at the end of the handshake or at close, or the accepting
 * thread when it evicts the stream. An evicted stream therefore never gives its place back, since the new client
 * holds it already.
 */
final class Admission {
    private final int maxStreams;
    private final RelayStats stats;
    private final Log log;
    /** The tickets of the streams still in their handshake, oldest (lowest id) first. */
    private final ConcurrentSkipListMap<Long, Ticket> handshaking = new ConcurrentSkipListMap<>();
    private final AtomicBoolean evictionLogged = new AtomicBoolean();
    private final AtomicBoolean refusalLogged = new AtomicBoolean();

    /** One client's place, from accept until its stream closes. */
    static final class Ticket {
        private enum State {
            HANDSHAKING, ADMITTED, EVICTED, RELEASED
        }

        /** The stream's id, in accept order. */
        final long id;
        /** The selector loop that serves the stream. */
        final SelectorLoop loop;
        /** The stream once its loop has adopted the client; that loop's thread only. */
        Stream stream;
        /** That loop's thread only, once handed over. */
        private State state = State.HANDSHAKING;

        Ticket(long id, SelectorLoop loop) {
            this.id = id;
            this.loop = loop;
        }
    }

    Admission(int maxStreams, RelayStats stats, Log log) {
        this.maxStreams = maxStreams;
        this.stats = stats;
        this.log = log;
    }

    /** Takes a free place for a client just accepted; false when none is free. Accepting thread only. */
    boolean reserve() {
        // Only the accepting thread increments, so the loops together never keep more than maxStreams places.
        if (stats.open.incrementAndGet() <= maxStreams) {
            return true;
        }
        stats.open.decrementAndGet();
        return false;
    }

    /**
     * When no place is free: takes the place of the oldest stream still in its handshake, for the client just
     * accepted, and counts the eviction or the refusal. Accepting thread only.
     *
     * @return the evicted stream's ticket, for its loop to close it; null when every stream is past its handshake
     *         and the new client is to be closed
     */
    Ticket evictOldestHandshake() {
        Map.Entry<Long, Ticket> oldest = handshaking.pollFirstEntry();
        if (oldest == null) {
            stats.refusedByProxy.increment();
            stats.refusedAtMaxStreams.increment();
            if (refusalLogged.compareAndSet(false, true)) {
                log.warn(refusalLog(maxStreams));
            }
            return null;
        }
        stats.evictedInHandshake.increment();
        if (evictionLogged.compareAndSet(false, true)) {
            log.warn(evictionLog(maxStreams));
        }
        return oldest.getValue();
    }

    /** The ticket of a client that holds a place, in its handshake from now on. Accepting thread only. */
    Ticket handshaking(long id, SelectorLoop loop) {
        Ticket ticket = new Ticket(id, loop);
        handshaking.put(id, ticket);
        return ticket;
    }

    /**
     * Called by the stream's loop when its SOCKS request is complete.
     *
     * @return false when the stream was evicted meanwhile: it is to be closed
     */
    boolean handshakeDone(Ticket ticket) {
        if (ticket.state != Ticket.State.HANDSHAKING) {
            return ticket.state == Ticket.State.ADMITTED;
        }
        ticket.state = handshaking.remove(ticket.id, ticket) ? Ticket.State.ADMITTED : Ticket.State.EVICTED;
        return ticket.state == Ticket.State.ADMITTED;
    }

    /** Whether the stream was evicted; its loop's thread only. */
    boolean evicted(Ticket ticket) {
        if (ticket.state == Ticket.State.HANDSHAKING && handshaking.get(ticket.id) != ticket) {
            ticket.state = Ticket.State.EVICTED;
        }
        return ticket.state == Ticket.State.EVICTED;
    }

    /** Gives the place back when the stream closes, unless an eviction gave it to a new client; its loop only. */
    void release(Ticket ticket) {
        if (ticket.state == Ticket.State.HANDSHAKING) {
            ticket.state = handshaking.remove(ticket.id, ticket) ? Ticket.State.ADMITTED : Ticket.State.EVICTED;
        }
        if (ticket.state == Ticket.State.ADMITTED) {
            stats.open.decrementAndGet();
        }
        ticket.state = Ticket.State.RELEASED;
    }

    /** The line logged the first time a client is evicted. */
    static String evictionLog(int maxStreams) {
        return "--max-streams " + maxStreams + " reached, so the oldest client still in its SOCKS handshake was"
                + " closed to admit a new one (later evictions are only counted: evictedInHandshake in the status)."
                + " Some client connects without sending its SOCKS request, such as a port scan or a pool that opens"
                + " connections ahead of use; if that is expected, raise --max-streams.";
    }

    /** The line logged the first time a client is refused at accept. */
    static String refusalLog(int maxStreams) {
        return "--max-streams " + maxStreams + " reached with every stream past its SOCKS handshake, so a new client"
                + " was closed at accept (later refusals are only counted: refusedAtMaxStreams in the status)."
                + " proxy-core is carrying as many streams as it may; raise --max-streams, and the open-files limit"
                + " (ulimit -n) with it.";
    }
}
