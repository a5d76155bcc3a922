package org.streamiso.examples.twoidentities;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.streamiso.control.StreamEvent;
import org.streamiso.proxy.control.TorControl;
import org.streamiso.proxy.internal.JtorctlTorControl;

/**
 * Follows Tor's STREAM events on a ControlPort and tells which circuit carried the stream that a local socket opened:
 * Tor names the SocksPort client's address in the NEW event (SOURCE_ADDR), and the circuit in SUCCEEDED.
 *
 * <p>It works when the application's SocksPort belongs to this ControlPort's tor; through a proxy in between (such as
 * proxy-core) Tor sees the proxy's address instead, and {@link #circuitOf} says so.
 *
 * @see <a href="https://spec.torproject.org/control-spec/replies.html#STREAM">control-spec, STREAM</a>
 */
final class StreamWatch implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final TorControl control;
    /** Guarded by {@code this}: SOURCE_ADDR to StreamID, and StreamID to the circuit it succeeded on. */
    private final Map<String, String> streamsBySource = new HashMap<>();
    private final Map<String, String> circuitsByStream = new HashMap<>();

    private StreamWatch(TorControl control) {
        this.control = control;
    }

    /** Connects, authenticates with the cookie and asks for STREAM events. */
    static StreamWatch open(InetSocketAddress controlPort, Path cookie) throws IOException {
        byte[] secret;
        try {
            secret = Files.readAllBytes(cookie);
        } catch (IOException e) {
            throw new IOException("could not read the ControlPort cookie " + cookie + " (" + e.getMessage()
                    + "). Is --cookie tor's DataDirectory/control_auth_cookie, readable by this user?", e);
        }
        TorControl control;
        try {
            control = JtorctlTorControl.connect(controlPort, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            throw new IOException("could not reach Tor's ControlPort " + controlPort + " (" + e.getMessage()
                    + "). Is tor running with that ControlPort?", e);
        }
        StreamWatch watch = new StreamWatch(control);
        try {
            control.setEventListener(watch::onEvent);
            control.authenticate(secret);
            control.setEvents(List.of("STREAM"));
            return watch;
        } catch (IOException | RuntimeException e) {
            control.close();
            throw new IOException("Tor's ControlPort " + controlPort + " refused AUTHENTICATE or SETEVENTS ("
                    + e.getMessage() + "). Is --cookie this tor's control_auth_cookie?", e);
        }
    }

    private synchronized void onEvent(String keyword, String data) {
        if (!"STREAM".equals(keyword)) {
            return;
        }
        StreamEvent event = StreamEvent.parse(data);
        String source = event.sourceAddr();
        if (source != null) {
            streamsBySource.put(source, event.streamId());
        }
        if (StreamEvent.SUCCEEDED.equals(event.status())) {
            circuitsByStream.put(event.streamId(), event.circuitId());
        }
        notifyAll();
    }

    /**
     * The StreamID and CircuitID of the stream that the socket with local address {@code local} opened, waiting up to
     * {@code timeoutMillis} for Tor's events.
     *
     * @throws IOException when no SUCCEEDED event for that source came in time
     */
    synchronized String[] circuitOf(SocketAddress local, long timeoutMillis) throws IOException, InterruptedException {
        InetSocketAddress address = (InetSocketAddress) local;
        String source = address.getAddress().getHostAddress() + ":" + address.getPort();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            String stream = streamsBySource.get(source);
            String circuit = stream == null ? null : circuitsByStream.get(stream);
            if (circuit != null) {
                return new String[] {stream, circuit};
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new IOException("Tor reported no stream from SOURCE_ADDR " + source + " that succeeded within "
                        + timeoutMillis + " ms" + (stream == null ? "; is the SocksPort this ControlPort's tor? A proxy"
                        + " in between (such as proxy-core) hides the application's address from Tor" : ""));
            }
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
    }

    @Override
    public void close() throws IOException {
        control.close();
    }
}
