package org.streamiso.agent.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.streamiso.agent.bootstrap.AgentConfig;
import org.streamiso.agent.bootstrap.SocksProbe;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorControl;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;

/**
 * The self-check's isolation check: two streams with one isolation key and one with another, through the SocksPort
 * with the credentials the agent sends ({@code <torS0X>0} and an isolation string); the circuit of each comes from
 * Tor's STREAM events, read by proxy-core's isolation audit ({@link CircuitAudit}, which knows each stream by its
 * SOURCE_ADDR). One key must keep one circuit, and the two keys must never share one.
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
    private final CircuitAudit audit = new CircuitAudit(new Log(new PrintStream(OutputStream.nullOutputStream()),
            false), new Safelog(false));

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
                    audit.onStreamEvent(data);
                } else if (keyword.equals("CIRC")) {
                    audit.onCircuitEvent(data);
                }
            });
            control.setEvents(List.of("STREAM", "CIRC"));
        } catch (IOException | RuntimeException e) {
            report.failed("Tor's ControlPort refused SETEVENTS STREAM CIRC (" + SelfCheck.words(e) + "); isolation "
                    + "was not checked. Check tor's log.");
            return;
        }
        IsolationString a = SelfCheck.newKey("isolation-check");
        IsolationString b = SelfCheck.newKey("isolation-check");
        List<Socket> open = new ArrayList<>();
        try {
            Set<String> a1 = stream(a, open, 1);
            Set<String> a2 = stream(a, open, 2);
            Set<String> b1 = stream(b, open, 1);
            if (a1 == null || a2 == null || b1 == null) {
                return;
            }
            Set<String> shared = new TreeSet<>(a2);
            shared.retainAll(b1);
            if (!shared.isEmpty() || !audit.violations().isEmpty()) {
                report.failed("isolation: two isolation keys shared Tor circuit " + String.join(", ", shared.isEmpty()
                        ? circuitsOf(audit.violations()) : shared) + " (" + how + "), so Tor does not separate "
                        + "streams by their SOCKS credentials on SocksPort " + config.socksPortText() + ". Remove "
                        + "NoIsolateSOCKSAuth from that SocksPort in the torrc and send SIGNAL NEWNYM (or restart tor).");
            } else if (a2.size() != 1) {
                report.failed("isolation: one isolation key's two streams used Tor circuits " + String.join(", ", a2)
                        + " (" + how + "), not one; two keys did get two circuits. Tor may have retired the first "
                        + "circuit (MaxCircuitDirtiness, a NEWNYM) meanwhile: run the check again.");
            } else {
                report.ok("isolation: one key's two streams shared Tor circuit " + a2.iterator().next()
                        + ", another key's stream got circuit " + String.join(", ", b1) + " (" + how + "), judged by "
                        + "the circuit ids of Tor's STREAM events.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Socket s : open) {
                SelfCheck.closeQuietly(s);
            }
        }
    }

    /**
     * One stream with {@code key}; waits until the audit has seen {@code count} of the key's streams on circuits, and
     * returns the circuits that carried the key, or null (a FAILED line was printed).
     */
    private Set<String> stream(IsolationString key, List<Socket> open, int count) throws InterruptedException {
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
        audit.upstreamOpened(config.socksPort(), local, key.password());
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
        try {
            return audit.await(() -> {
                Set<String> circuits = new TreeSet<>();
                int streams = 0;
                for (CircuitAudit.CircuitView c : audit.circuits()) {
                    if (c.isolationKeys().contains(key.password())) {
                        circuits.add(c.circuitId());
                        streams += c.streams();
                    }
                }
                return streams >= count ? circuits : null;
            }, Duration.ofNanos(Math.max(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(5))));
        } catch (TimeoutException e) {
            report.failed("isolation: Tor's ControlPort reported no circuit for the check's stream within "
                    + waitSeconds + " s (no STREAM event with its SOURCE_ADDR). Is --tor-control the ControlPort of "
                    + "the tor behind SocksPort " + config.socksPortText() + "?");
            return null;
        }
    }

    private static List<String> circuitsOf(List<CircuitAudit.Violation> violations) {
        List<String> ids = new ArrayList<>();
        for (CircuitAudit.Violation v : violations) {
            ids.add(v.circuitId());
        }
        return ids;
    }
}
