package org.streamiso.agent.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.streamiso.agent.bootstrap.AgentConfig;
import org.streamiso.agent.bootstrap.SocksProbe;
import org.streamiso.control.StreamEvent;
import org.streamiso.proxy.control.TorControl;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;

/**
 * The self-check's isolation check: two streams with one isolation key and one with another, through the SocksPort
 * with the credentials the agent sends ({@code <torS0X>0} and an isolation string); the circuit that carried each
 * comes from Tor's STREAM events (read as production's {@link StreamEvent}), which name a stream's SOURCE_ADDR, the
 * local address of the check's connection. One key must keep one circuit, and the two keys must never share one.
 *
 * <p>A stream's circuit is the one of its SUCCEEDED event; a RESOLVE of a name that does not resolve never
 * succeeds, and its circuit is the one its last SENTRESOLVE went on. Earlier attempts on other circuits (Tor detaches a
 * stream whose exit refused it and tries another) do not count.
 *
 * <p>The streams are CONNECTs to {@code --probe}, held open until all three have circuits, or else RESOLVEs of
 * {@code --resolve}: Tor sends a RESOLVE on a circuit too, and reports that circuit in the stream's SENTRESOLVE
 * event (control-spec, STREAM: "SENTRESOLVE: sent a resolve cell along a circuit"), so no destination is needed.
 *
 * @see <a href="https://spec.torproject.org/control-spec/replies.html#STREAM">control-spec, STREAM</a>
 */
final class IsolationCheck {
    private final AgentConfig config;
    private final TorControl control;
    private final SelfCheck.Report report;
    private final InetSocketAddress probe;
    private final String resolve;
    private final int waitSeconds;
    /** Guarded by {@code this}: SOURCE_ADDR to StreamID, StreamID to its latest circuit and to the one that carried it. */
    private final Map<String, String> streamsBySource = new HashMap<>();
    private final Map<String, String> latestCircuit = new HashMap<>();
    private final Map<String, String> carriedBy = new HashMap<>();

    IsolationCheck(AgentConfig config, TorControl control, SelfCheck.Report report, InetSocketAddress probe,
            String resolve, int waitSeconds) {
        this.config = config;
        this.control = control;
        this.report = report;
        this.probe = probe;
        this.resolve = resolve;
        this.waitSeconds = waitSeconds;
    }

    void run() {
        String how = probe != null ? "CONNECTs to " + SelfCheck.scrub(config, SelfCheck.text(probe))
                : "RESOLVEs of " + SelfCheck.scrub(config, resolve);
        try {
            control.setEventListener((keyword, data) -> {
                if (keyword.equals("STREAM")) {
                    onStreamEvent(data);
                }
            });
            control.setEvents(List.of("STREAM"));
        } catch (IOException | RuntimeException e) {
            report.failed("Tor's ControlPort refused SETEVENTS STREAM (" + SelfCheck.words(e) + "); isolation "
                    + "was not checked. Check tor's log.");
            return;
        }
        IsolationString a = SelfCheck.newKey("isolation-check");
        IsolationString b = SelfCheck.newKey("isolation-check");
        List<Socket> open = new ArrayList<>();
        try {
            String a1 = stream(a, open);
            String a2 = a1 == null ? null : stream(a, open);
            String b1 = a2 == null ? null : stream(b, open);
            if (b1 == null) {
                return;
            }
            if (b1.equals(a1) || b1.equals(a2)) {
                report.failed("isolation: two isolation keys shared Tor circuit " + b1 + " (" + how + "), so Tor does "
                        + "not separate streams by their SOCKS credentials on SocksPort " + config.socksPortText()
                        + ". Remove NoIsolateSOCKSAuth from that SocksPort in the torrc and send SIGNAL NEWNYM (or "
                        + "restart tor).");
            } else if (!a1.equals(a2)) {
                report.failed("isolation: one isolation key's two streams used Tor circuits " + a1 + " and " + a2
                        + " (" + how + "), not one; the other key's stream used circuit " + b1 + ". Tor may have "
                        + "retired the first circuit meanwhile (MaxCircuitDirtiness, a NEWNYM): run the check again.");
            } else {
                report.ok("isolation: one key's two streams shared Tor circuit " + a1 + ", another key's stream got "
                        + "circuit " + b1 + " (" + how + "), judged by the circuit ids of Tor's STREAM events.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Socket s : open) {
                SelfCheck.closeQuietly(s);
            }
        }
    }

    private synchronized void onStreamEvent(String data) {
        StreamEvent event = StreamEvent.parse(data);
        String id = event.streamId();
        switch (event.status()) {
            case "NEW", "NEWRESOLVE" -> {
                String source = event.sourceAddr();
                if (source != null) {
                    streamsBySource.put(source, id);
                }
            }
            case "SENTCONNECT", "SENTRESOLVE" -> {
                if (event.onCircuit()) {
                    latestCircuit.put(id, event.circuitId());
                }
            }
            case "SUCCEEDED" -> {
                String c = event.onCircuit() ? event.circuitId() : latestCircuit.get(id);
                if (c != null) {
                    carriedBy.putIfAbsent(id, c);
                }
            }
            case "FAILED", "CLOSED" -> {
                String c = latestCircuit.get(id);
                if (c != null) {
                    carriedBy.putIfAbsent(id, c);
                }
            }
            default -> { }
        }
        notifyAll();
    }

    private synchronized String awaitCircuit(String source, long deadline) throws InterruptedException {
        while (true) {
            String id = streamsBySource.get(source);
            String circuit = id == null ? null : carriedBy.get(id);
            if (circuit != null) {
                return circuit;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** One stream with {@code key}; returns the circuit that carried it, or null (a FAILED line was printed). */
    private String stream(IsolationString key, List<Socket> open) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        Socket socket = new Socket();
        open.add(socket);
        try {
            socket.connect(config.socksPort(), (int) TimeUnit.SECONDS.toMillis(waitSeconds));
        } catch (IOException e) {
            report.failed("isolation: " + SocksProbe.unreachable(config, e).getMessage());
            return null;
        }
        InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
        String source = local.getAddress().getHostAddress() + ":" + local.getPort();
        Socks5CommandRequest request = probe != null
                ? Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, probe.getHostString(), probe.getPort())
                : Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, resolve, 0);
        Socks5CommandResponse reply;
        try {
            reply = SocksProbe.exchange(config, socket, request, key.credentials(),
                    SelfCheck.firstReplyDeadline(waitSeconds), deadline);
        } catch (IOException e) {
            report.failed("isolation: " + e.getMessage());
            return null;
        }
        boolean answered = reply.status().isSuccess()
                || probe == null && reply.status().equals(Socks5CommandStatus.HOST_UNREACHABLE);
        if (!answered) {
            report.failed("isolation: the check's stream (" + request.type() + " " + SelfCheck.scrub(config,
                    request.dstAddr() + ":" + request.dstPort()) + ") failed: " + reply.status() + ". "
                    + (probe != null ? "Give --probe a HOST:PORT that Tor can reach." : "Check tor's log."));
            return null;
        }
        if (probe == null) {
            SelfCheck.closeQuietly(socket);
        }
        // Events may come after the SOCKS reply: wait for them a little past the deadline.
        String circuit = awaitCircuit(source, Math.max(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
        if (circuit == null) {
            report.failed("isolation: Tor's ControlPort reported no circuit for the check's stream within "
                    + waitSeconds + " s (no STREAM event with its SOURCE_ADDR). Is --tor-control the ControlPort of "
                    + "the tor behind SocksPort " + config.socksPortText() + "?");
        }
        return circuit;
    }
}
