package org.streamiso.proxy.control;

import org.streamiso.socks.Socks5CommandStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.relay.StreamGate;

/**
 * Follows Tor through its ControlPort: authenticates, shows bootstrap progress, feeds STREAM and CIRC events to the
 * {@link CircuitAudit}, holds new streams back while Tor is not bootstrapped, and reconnects when the ControlPort
 * goes away (relaying goes on meanwhile, unaudited).
 *
 * @see <a href="https://spec.torproject.org/control-spec/commands.html#getinfo">control-spec, GETINFO status/bootstrap-phase</a>
 */
public final class TorMonitor implements StreamGate, AutoCloseable {

    /** The events proxy-core follows. */
    public static final List<String> EVENTS = List.of("STREAM", "CIRC", "STATUS_CLIENT");

    /** Reads the secret for AUTHENTICATE afresh for each connection: tor writes a new cookie when it restarts. */
    @FunctionalInterface
    public interface Secret {
        byte[] read() throws IOException;
    }

    private static final Pattern PROGRESS = Pattern.compile("PROGRESS=(\\d+)");
    private static final Pattern SUMMARY = Pattern.compile("SUMMARY=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final TorControl.Connector connector;
    private final Secret secret;
    private final String controlPortName;
    private final CircuitAudit audit;
    private final Log log;
    private final Duration reconnectDelay;

    private volatile TorControl control;
    private final Object connectedChanged = new Object();
    /** Bootstrap percentage, or -1 while unknown (no ControlPort connection). */
    private volatile int bootstrap = -1;
    private volatile boolean closed;
    private volatile boolean logBootstrap = true;
    private Thread follower;

    /**
     * @param controlPortName how to name the ControlPort in messages, e.g. {@code 127.0.0.1:9051}
     * @param reconnectDelay  the pause between attempts to reconnect
     */
    public TorMonitor(TorControl.Connector connector, Secret secret, String controlPortName, CircuitAudit audit,
            Log log, Duration reconnectDelay) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.secret = Objects.requireNonNull(secret, "secret");
        this.controlPortName = controlPortName;
        this.audit = Objects.requireNonNull(audit, "audit");
        this.log = log;
        this.reconnectDelay = reconnectDelay;
    }

    /**
     * Connects, authenticates and subscribes; at start-up a failure here stops proxy-core.
     *
     * @throws IOException with what failed, the likely cause and a fix
     */
    public void connect() throws IOException {
        TorControl c;
        try {
            c = connector.connect();
        } catch (IOException e) {
            throw new IOException("Could not reach Tor's ControlPort " + controlPortName + " (" + e.getMessage()
                    + "). Is tor running with ControlPort " + controlPortName + " (see --tor-control)?", e);
        }
        try {
            setUp(c);
        } catch (IOException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        synchronized (connectedChanged) {
            control = c;
            connectedChanged.notifyAll();
        }
    }

    /**
     * Waits until connected to the ControlPort (at once when already), for status views and tests that must not
     * sleep.
     *
     * @return whether connected within {@code timeout}
     */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (connectedChanged) {
            while (control == null) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || closed) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(connectedChanged, remaining);
            }
            return true;
        }
    }

    private void setUp(TorControl c) throws IOException {
        c.setEventListener(this::onEvent);
        byte[] bytes;
        try {
            bytes = secret.read();
        } catch (IOException e) {
            throw new IOException("Could not read the ControlPort secret: " + e.getMessage()
                    + ". Is --tor-cookie the control_auth_cookie in tor's DataDirectory, readable by this user?", e);
        }
        try {
            c.authenticate(bytes);
        } catch (IOException e) {
            throw new IOException("Tor's ControlPort " + controlPortName + " refused authentication ("
                    + e.getMessage() + "). Is --tor-cookie this tor's control_auth_cookie (or the password right)?",
                    e);
        }
        c.setEvents(EVENTS);
        onBootstrapPhase(c.getInfo("status/bootstrap-phase"));
        // Circuits built before this connection (Tor builds some at start) get their exits from circuit-status,
        // whose lines have the form of CIRC events.
        String circuitStatus = c.getInfo("circuit-status");
        if (circuitStatus != null) {
            for (String line : circuitStatus.split("\n")) {
                if (!line.isBlank()) {
                    audit.onCircuitEvent(line.strip());
                }
            }
        }
    }

    /** Follows the connection from a daemon thread, reconnecting when it goes away, until {@link #close()}. */
    public synchronized void startFollowing() {
        if (follower != null) {
            return;
        }
        follower = new Thread(this::follow, "streamiso-proxy-core-control");
        follower.setDaemon(true);
        follower.start();
    }

    private void follow() {
        while (!closed) {
            TorControl c = control;
            try {
                if (c != null) {
                    c.awaitClosed();
                    if (closed) {
                        return;
                    }
                    control = null;
                    bootstrap = -1;
                    audit.reset();
                    log.warn("Lost Tor's ControlPort " + controlPortName + "; relaying goes on, but streams are not"
                            + " audited until it is back; reconnecting every " + reconnectDelay.toSeconds() + " s."
                            + " Did tor restart?");
                }
                while (!closed && control == null) {
                    try {
                        connect();
                        log.info("Reconnected to Tor's ControlPort " + controlPortName + "; the audit goes on.");
                    } catch (IOException e) {
                        log.debug("Reconnecting to the ControlPort failed: " + e.getMessage());
                        Thread.sleep(reconnectDelay.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Routes one event; public so that tests (and a mocked control) can feed lines. */
    public void onEvent(String keyword, String data) {
        try {
            switch (keyword) {
                case "STREAM" -> audit.onStreamEvent(data);
                case "CIRC" -> audit.onCircuitEvent(data);
                case "STATUS_CLIENT" -> {
                    if (data.contains("BOOTSTRAP")) {
                        onBootstrapPhase(data);
                    }
                }
                default -> { }
            }
        } catch (RuntimeException e) {
            log.error("Could not handle a ControlPort " + keyword + " event: " + e + "; it was skipped. This is a bug"
                    + " in proxy-core; please report it with this line.");
        }
    }

    private void onBootstrapPhase(String phase) {
        if (phase == null) {
            return;
        }
        Matcher progress = PROGRESS.matcher(phase);
        if (!progress.find()) {
            return;
        }
        int percent = Integer.parseInt(progress.group(1));
        Matcher summary = SUMMARY.matcher(phase);
        String words = summary.find() ? summary.group(1) : "";
        int before = bootstrap;
        bootstrap = percent;
        if (percent != before && logBootstrap) {
            if (percent >= 100) {
                log.info("Tor bootstrapped 100%" + (words.isEmpty() ? "" : " (" + words + ")")
                        + "; streams go through.");
            } else {
                log.info("Tor bootstrapped " + percent + "%" + (words.isEmpty() ? "" : " (" + words + ")")
                        + "; clients get " + Socks5CommandStatus.FAILURE + " until it reaches 100%.");
            }
        }
    }

    /** Whether bootstrap steps are logged (not for a tor that proxy-core launched, which shows them itself). */
    public void logBootstrap(boolean enabled) {
        logBootstrap = enabled;
    }

    /** Bootstrap percentage, or -1 while unknown. */
    public int bootstrapProgress() {
        return bootstrap;
    }

    public boolean isConnected() {
        return control != null;
    }

    @Override
    public String refusal() {
        int b = bootstrap;
        return b >= 0 && b < 100 ? "Tor has not finished bootstrapping (" + b + "%)" : null;
    }

    /** {@code SIGNAL NEWNYM}: Tor uses new circuits for new streams of every key. */
    public void newnym() throws IOException {
        TorControl c = control;
        if (c == null) {
            throw new IOException("Not connected to Tor's ControlPort " + controlPortName + "; NEWNYM was not sent."
                    + " Is tor running?");
        }
        c.signal("NEWNYM");
    }

    public CircuitAudit audit() {
        return audit;
    }

    @Override
    public void close() {
        closed = true;
        TorControl c = control;
        if (c != null) {
            closeQuietly(c);
        }
        Thread f;
        synchronized (this) {
            f = follower;
        }
        if (f != null) {
            f.interrupt();
        }
    }

    private static void closeQuietly(TorControl c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Closing: nothing left to do with it.
        }
    }
}
