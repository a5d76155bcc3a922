package org.streamiso.proxy.control;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.control.ControlLine;
import org.streamiso.control.StreamEvent;
import org.streamiso.proxy.relay.StreamObserver;
import org.streamiso.socks.IsolationString;

/**
 * The isolation audit: maps every relayed stream to the circuit Tor put it on, from the ControlPort's STREAM events,
 * and says so loudly when one circuit carries streams of two different isolation keys.
 *
 * <p>A stream is recognised by its SOURCE_ADDR, the local address of proxy-core's connection to the SocksPort, which
 * the relay reports through {@link StreamObserver} before it sends a byte. Streams of other programs on the same
 * tor, and Tor's own directory streams, have no such address and are not audited.
 *
 * <p>Thread-safe: the relay calls it on the selector thread, events arrive on the control connection's thread.
 *
 * @see <a href="https://spec.torproject.org/control-spec/replies.html#STREAM">control-spec, STREAM</a>
 * @see <a href="https://spec.torproject.org/control-spec/replies.html#CIRC">control-spec, CIRC</a>
 */
public final class CircuitAudit implements StreamObserver {

    /** What the audit knows of one circuit. */
    public record CircuitView(String circuitId, Set<String> isolationKeys, int streams, String exit) {
    }

    /** One violation: a circuit that carried streams of more than one key. */
    public record Violation(String circuitId, Set<String> isolationKeys) {
    }

    private final Log log;
    private final Safelog safelog;
    /** SOURCE_ADDR ({@code 127.0.0.1:port}) of open upstream connections, to their isolation key. */
    private final Map<String, String> keysBySource = new ConcurrentHashMap<>();
    /** Tor's StreamID to what we know of it, for streams of ours until Tor closes them. */
    private final Map<String, TorStream> torStreams = new ConcurrentHashMap<>();
    /** Guarded by itself. */
    private final Map<String, Circuit> circuits = new LinkedHashMap<>();
    /** The exit of every open circuit Tor reported, ours or not yet ours; guarded by {@link #circuits}. */
    private final Map<String, String> exits = new java.util.HashMap<>();
    private final List<Violation> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong violationCount = new AtomicLong();
    private final Object changed = new Object();

    private static final class TorStream {
        final String source;
        final String key;
        volatile String circuitId;

        TorStream(String source, String key) {
            this.source = source;
            this.key = key;
        }
    }

    private static final class Circuit {
        final Set<String> keys = new LinkedHashSet<>();
        int streams;
        String exit = "";
        boolean violated;
    }

    public CircuitAudit(Log log, Safelog safelog) {
        this.log = log;
        this.safelog = safelog;
    }

    // ---- from the relay ---------------------------------------------------------------------------------

    @Override
    public void upstreamOpened(InetSocketAddress socksPort, InetSocketAddress localAddress, String isolationKey) {
        keysBySource.put(sourceAddr(localAddress), isolationKey);
    }

    @Override
    public void upstreamClosed(InetSocketAddress socksPort, InetSocketAddress localAddress) {
        keysBySource.remove(sourceAddr(localAddress));
    }

    private static String sourceAddr(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    // ---- from the ControlPort ----------------------------------------------------------------------------

    /** A STREAM event: {@code StreamID StreamStatus CircuitID Target [SOURCE_ADDR=...] ...}. */
    public void onStreamEvent(String data) {
        StreamEvent event = StreamEvent.parse(data);
        switch (event.status()) {
            case "NEW", "NEWRESOLVE" -> {
                String source = event.sourceAddr();
                String key = source == null ? null : keysBySource.get(source);
                if (key != null) {
                    torStreams.put(event.streamId(), new TorStream(source, key));
                }
            }
            case "SENTCONNECT", "SENTRESOLVE", "SUCCEEDED", "REMAP" -> {
                TorStream stream = torStreams.get(event.streamId());
                if (stream != null && event.onCircuit()) {
                    attach(stream, event.circuitId());
                }
            }
            case "DETACHED" -> {
                TorStream stream = torStreams.get(event.streamId());
                if (stream != null) {
                    stream.circuitId = null;
                }
            }
            case "CLOSED", "FAILED" -> torStreams.remove(event.streamId());
            default -> { }
        }
        changed();
    }

    /** A CIRC event: {@code CircuitID CircStatus [Path] ...}; keeps the exit, forgets closed circuits. */
    public void onCircuitEvent(String data) {
        ControlLine line = ControlLine.parse(data);
        String circuitId = line.argument(0);
        String status = line.argument(1);
        synchronized (circuits) {
            if ("CLOSED".equals(status) || "FAILED".equals(status)) {
                circuits.remove(circuitId);
                exits.remove(circuitId);
            } else if ("BUILT".equals(status) || "EXTENDED".equals(status)) {
                // Circuits are usually built before a stream of ours attaches, so every exit is kept until then.
                Circuit circuit = circuits.get(circuitId);
                String path = line.argument(2);
                if (!path.isEmpty()) {
                    String exit = path.substring(path.lastIndexOf(',') + 1);
                    exits.put(circuitId, exit);
                    if (circuit != null) {
                        circuit.exit = exit;
                    }
                }
            }
        }
    }

    /**
     * Waits until {@code probe} returns non-null, re-checking after every event; for status views and tests that
     * must not sleep.
     *
     * @throws TimeoutException when {@code timeout} passed first
     */
    public <T> T await(Supplier<T> probe, java.time.Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changed) {
            while (true) {
                T value = probe.get();
                if (value != null) {
                    return value;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new TimeoutException("the audit saw no such state within " + timeout.toMillis() + " ms");
                }
                TimeUnit.NANOSECONDS.timedWait(changed, remaining);
            }
        }
    }

    private void changed() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    private void attach(TorStream stream, String circuitId) {
        String previous = stream.circuitId;
        stream.circuitId = circuitId;
        String key = stream.key;
        Set<String> violatingKeys = null;
        synchronized (circuits) {
            Circuit circuit = circuits.computeIfAbsent(circuitId, id -> {
                Circuit c = new Circuit();
                c.exit = exits.getOrDefault(id, "");
                return c;
            });
            if (!circuitId.equals(previous)) {
                circuit.streams++;
            }
            if (circuit.keys.add(key) && circuit.keys.size() > 1) {
                violatingKeys = Set.copyOf(circuit.keys);
                circuit.violated = true;
            }
        }
        if (violatingKeys != null) {
            long count = violationCount.incrementAndGet();
            StringBuilder keys = new StringBuilder();
            for (String k : violatingKeys) {
                keys.append(keys.length() == 0 ? "" : ", ").append(printable(k));
            }
            log.error("ISOLATION VIOLATED: Tor circuit " + circuitId + " carries streams of " + violatingKeys.size()
                    + " different isolation keys (" + keys + "); streams that must never share a circuit did. The"
                    + " audit counted it (violations: " + count + ") and relaying goes on. Likely"
                    + " cause: the SocksPort in --tor-socks lacks IsolateSOCKSAuth (it is on by default; check"
                    + " torrc for NoIsolateSOCKSAuth); fix the torrc and send SIGNAL NEWNYM.");
            // Listed after the log line, so that whoever sees the violation in the list finds it in the log too.
            violations.add(new Violation(circuitId, violatingKeys));
        }
    }

    /**
     * An isolation key for the log: an isolation string's app and kind in clear (the contract puts them there) and
     * its digest {@code [scrubbed]} unless unsafe logging is on; any other key {@code [scrubbed]}, or its first 16
     * characters.
     */
    private String printable(String key) {
        IsolationString string = IsolationString.parse(key);
        if (string != null) {
            return safelog.isUnsafe() ? string.password() : string.toString();
        }
        return safelog.key(key.length() > 16 ? key.substring(0, 16) : key);
    }

    // ---- status ----------------------------------------------------------------------------------------------

    /** Violations seen since start. */
    public long violationCount() {
        return violationCount.get();
    }

    public List<Violation> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** The circuit Tor put the stream with SOURCE_ADDR {@code localAddress} on, or null when not (yet) known. */
    public String circuitOf(InetSocketAddress localAddress) {
        String source = sourceAddr(localAddress);
        for (TorStream stream : torStreams.values()) {
            if (stream.source.equals(source) && stream.circuitId != null) {
                return stream.circuitId;
            }
        }
        return null;
    }

    /**
     * The circuit of every stream of ours whose circuit is known, by SOURCE_ADDR ({@code 127.0.0.1:port}, the
     * upstream connection's local address); one pass for a status view of many streams.
     */
    public Map<String, String> circuitsBySourceAddr() {
        Map<String, String> out = new java.util.HashMap<>();
        for (TorStream stream : torStreams.values()) {
            String circuitId = stream.circuitId;
            if (circuitId != null) {
                out.put(stream.source, circuitId);
            }
        }
        return out;
    }

    /** The SOURCE_ADDR form of a local address: {@code 127.0.0.1:40001}. */
    public static String sourceAddrOf(InetSocketAddress address) {
        return sourceAddr(address);
    }

    /** The circuits that carried streams of ours and are not closed, with their keys (opaque) and exits. */
    public List<CircuitView> circuits() {
        synchronized (circuits) {
            List<CircuitView> out = new ArrayList<>(circuits.size());
            for (Map.Entry<String, Circuit> e : circuits.entrySet()) {
                Circuit c = e.getValue();
                out.add(new CircuitView(e.getKey(), Set.copyOf(c.keys), c.streams, c.exit));
            }
            return out;
        }
    }

    /**
     * Forgets every stream and circuit, keeping the violation count: after the ControlPort was lost, events were
     * missed and the old mapping can no longer be trusted.
     */
    public void reset() {
        torStreams.clear();
        synchronized (circuits) {
            circuits.clear();
            exits.clear();
        }
    }

    /** Streams of ours that Tor has not closed yet. */
    public int openTorStreams() {
        return torStreams.size();
    }
}
