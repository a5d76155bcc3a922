package org.streamiso.testnet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.streamiso.control.StreamEvent;

/**
 * A minimal ControlPort client for tests: it authenticates with the cookie, asks for STREAM events
 * ({@code SETEVENTS STREAM}) and records every one, so a test can tell which circuit carried a
 * stream.
 *
 * <p>Open it <em>before</em> making the connections to look at: Tor sends events only to
 * controllers that asked for them at the time.
 *
 * <pre>{@code
 * try (StreamEvents events = StreamEvents.open(tor)) {
 *     // connect through tor.socksPorts().get(0) to a listener on port p ...
 *     String circuit = events.awaitSucceeded(p, Duration.ofSeconds(30)).circuitId();
 * }
 * }</pre>
 *
 * @see <a href="https://spec.torproject.org/control-spec/">control-spec</a>
 */
public final class StreamEvents implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final long REPLY_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final InetSocketAddress controlPort;
    private final BufferedReader in;
    private final OutputStream out;
    private final Thread reader;

    /** Guarded by {@code this}: events, replies and whether the connection is gone. */
    private final List<StreamEvent> events = new ArrayList<>();
    private final List<String> replies = new ArrayList<>();
    private boolean disconnected;

    private StreamEvents(Socket socket, InetSocketAddress controlPort) throws IOException {
        this.socket = socket;
        this.controlPort = controlPort;
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        this.out = socket.getOutputStream();
        this.reader = new Thread(this::readLoop, "streamiso-testnet-stream-events");
        this.reader.setDaemon(true);
    }

    /** Opens a controller on the network's ControlPort with its cookie. */
    public static StreamEvents open(PrivateTorNetwork network) throws IOException {
        return open(network.controlPort(), network.cookieFile());
    }

    /**
     * Connects to {@code controlPort}, sends {@code AUTHENTICATE <cookie in hex>} and
     * {@code SETEVENTS STREAM}.
     *
     * @throws IOException when the ControlPort cannot be reached or refuses either command
     */
    public static StreamEvents open(InetSocketAddress controlPort, Path cookieFile) throws IOException {
        String cookie = HexFormat.of().formatHex(Files.readAllBytes(cookieFile));
        Socket socket = new Socket();
        try {
            socket.connect(controlPort, CONNECT_TIMEOUT_MILLIS);
            StreamEvents controller = new StreamEvents(socket, controlPort);
            controller.reader.start();
            controller.command("AUTHENTICATE " + cookie, "AUTHENTICATE [cookie from " + cookieFile + "]");
            controller.command("SETEVENTS STREAM", "SETEVENTS STREAM");
            return controller;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Every STREAM event received so far, oldest first. */
    public synchronized List<StreamEvent> events() {
        return List.copyOf(events);
    }

    /**
     * Waits for the first event (received before or during the call) that {@code match} accepts.
     *
     * @throws TimeoutException when none came within {@code timeout}; the message lists the events seen
     */
    public StreamEvent await(Predicate<StreamEvent> match, String description, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                for (StreamEvent event : events) {
                    if (match.test(event)) {
                        return event;
                    }
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || disconnected) {
                    throw new TimeoutException("No STREAM event " + description + " within " + timeout.toMillis()
                            + " ms" + (disconnected ? " (the ControlPort closed the connection)" : "")
                            + "; " + events.size() + " events seen: " + events
                            + ". Was the StreamEvents opened before the connection was made?");
                }
                TimeUnit.NANOSECONDS.timedWait(this, remaining);
            }
        }
    }

    /**
     * Waits for a SUCCEEDED event of a stream to {@code targetPort}; its {@link StreamEvent#circuitId()}
     * is the circuit that carried the stream.
     */
    public StreamEvent awaitSucceeded(int targetPort, Duration timeout) throws InterruptedException, TimeoutException {
        return await(event -> StreamEvent.SUCCEEDED.equals(event.status()) && event.targetPort() == targetPort,
                "SUCCEEDED to port " + targetPort, timeout);
    }

    /** Sends {@code SIGNAL name} (e.g. NEWNYM) and waits for 250 OK. */
    public void signal(String name) throws IOException {
        if (!name.matches("[A-Z0-9_]+")) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: a control-spec signal, e.g. NEWNYM)");
        }
        command("SIGNAL " + name, "SIGNAL " + name);
    }

    private void command(String line, String shownAs) throws IOException {
        int repliesBefore;
        synchronized (this) {
            repliesBefore = replies.size();
        }
        synchronized (out) {
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        String reply = awaitReply(repliesBefore);
        if (!reply.startsWith("250")) {
            throw new IOException("ControlPort " + controlPort + " answered '" + reply + "' to " + shownAs
                    + "; the controller was not set up. Is the cookie from this tor's DataDirectory?");
        }
    }

    private synchronized String awaitReply(int repliesBefore) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPLY_TIMEOUT_MILLIS);
        try {
            while (replies.size() <= repliesBefore) {
                long remaining = deadline - System.nanoTime();
                if (disconnected || remaining <= 0) {
                    throw new IOException("ControlPort " + controlPort + (disconnected ? " closed the connection"
                            : " sent no reply within " + REPLY_TIMEOUT_MILLIS + " ms")
                            + "; the command was not confirmed. Is tor still running?");
                }
                TimeUnit.NANOSECONDS.timedWait(this, remaining);
            }
            return replies.get(repliesBefore);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for the ControlPort's reply", e);
        }
    }

    /**
     * Reads replies and events. A reply's final line ({@code NNN text}) completes a command;
     * asynchronous events are 650 lines, of which only single-line STREAM events are kept.
     */
    private void readLoop() {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.length() < 4) {
                    continue;
                }
                boolean finalLine = line.charAt(3) == ' ';
                boolean event = line.startsWith("650");
                synchronized (this) {
                    if (event && finalLine && line.startsWith("650 STREAM ")) {
                        events.add(StreamEvent.parseLine(line));
                        notifyAll();
                    } else if (!event && finalLine) {
                        replies.add(line);
                        notifyAll();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // The connection is gone; waiters are told below.
        } finally {
            synchronized (this) {
                disconnected = true;
                notifyAll();
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
