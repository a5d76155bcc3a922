package org.streamiso.examples.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.streamiso.control.ControlLine;
import org.streamiso.control.StreamEvent;
import org.streamiso.proxy.control.TorControl;
import org.streamiso.proxy.internal.JtorctlTorControl;

/**
 * The demo's own view of Tor, from the private network client's ControlPort (proxy-core's ControlPort client and
 * event-line parser): every stream with its SOCKS credentials, client address and circuit (STREAM events), and every
 * circuit's exit relay (CIRC events, and {@code GETINFO circuit-status} for circuits built before the demo asked).
 *
 * @see <a href="https://spec.torproject.org/control-spec/replies.html#STREAM">control-spec, STREAM</a>
 * @see <a href="https://spec.torproject.org/control-spec/replies.html#CIRC">control-spec, CIRC</a>
 */
final class TorEvents implements AutoCloseable {

    /** One Tor stream as its events told it. */
    static final class TorStream {
        final String id;
        String source;
        String password;
        int port = -1;
        String circuit;
        boolean succeeded;

        TorStream(String id) {
            this.id = id;
        }
    }

    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final TorControl control;
    /** Guarded by {@code this}. */
    private final Map<String, TorStream> streams = new LinkedHashMap<>();
    private final Map<String, String> exits = new HashMap<>();

    private TorEvents(TorControl control) {
        this.control = control;
    }

    static TorEvents open(InetSocketAddress controlPort, Path cookie) throws IOException {
        TorControl control = JtorctlTorControl.connect(controlPort, CONNECT_TIMEOUT_MILLIS);
        TorEvents events = new TorEvents(control);
        try {
            control.setEventListener(events::onEvent);
            control.authenticate(Files.readAllBytes(cookie));
            control.setEvents(List.of("STREAM", "CIRC"));
            for (String line : control.getInfo("circuit-status").split("\n")) {
                events.onCircuit(line.trim());
            }
            return events;
        } catch (IOException | RuntimeException e) {
            control.close();
            throw new IOException("The private network's ControlPort " + controlPort + " refused the demo's "
                    + "controller (" + e.getMessage() + "); nothing was run. Is its tor still running?", e);
        }
    }

    private void onEvent(String keyword, String data) {
        if ("STREAM".equals(keyword)) {
            onStream(data);
        } else if ("CIRC".equals(keyword)) {
            onCircuit(data);
        }
    }

    private synchronized void onStream(String data) {
        StreamEvent event = StreamEvent.parse(data);
        TorStream stream = streams.computeIfAbsent(event.streamId(), TorStream::new);
        String source = event.sourceAddr();
        if (source != null) {
            stream.source = source;
        }
        String password = event.keywords().get("SOCKS_PASSWORD");
        if (password != null) {
            stream.password = password;
        }
        int port = event.targetPort();
        if (port >= 0) {
            stream.port = port;
        }
        if (StreamEvent.SUCCEEDED.equals(event.status())) {
            stream.circuit = event.circuitId();
            stream.succeeded = true;
        }
        notifyAll();
    }

    /** {@code CircuitID CircStatus Path ...}: keeps the exit, the last hop of the path ({@code $FP~nickname}). */
    private synchronized void onCircuit(String data) {
        if (data.isEmpty()) {
            return;
        }
        ControlLine line = ControlLine.parse(data);
        String path = line.argument(2);
        if (!path.isEmpty() && !path.contains("=")) {
            String last = path.substring(path.lastIndexOf(',') + 1);
            int tilde = last.indexOf('~');
            exits.put(line.argument(0), tilde >= 0 ? last.substring(tilde + 1) : last);
        }
        notifyAll();
    }

    /** A copy of every stream that succeeded, oldest first. */
    synchronized List<TorStream> succeeded() {
        List<TorStream> out = new ArrayList<>();
        for (TorStream s : streams.values()) {
            if (s.succeeded) {
                TorStream copy = new TorStream(s.id);
                copy.source = s.source;
                copy.password = s.password;
                copy.port = s.port;
                copy.circuit = s.circuit;
                copy.succeeded = true;
                out.add(copy);
            }
        }
        return out;
    }

    /** The exit relay's nickname of {@code circuit}, or {@code ?} when Tor never named its path. */
    synchronized String exitOf(String circuit) {
        return exits.getOrDefault(circuit, "?");
    }

    /** Waits until {@code done} holds for the streams that succeeded; false when {@code timeoutMillis} passed first. */
    synchronized boolean await(Predicate<List<TorStream>> done, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!done.test(succeeded())) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        control.close();
    }
}
