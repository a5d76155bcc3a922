package org.streamiso.agent.cli;

import org.streamiso.socks.Socks5Address;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.streamiso.agent.AgentArguments;
import org.streamiso.agent.bootstrap.AgentConfig;
import org.streamiso.agent.bootstrap.SocksProbe;
import org.streamiso.control.ControlLine;
import org.streamiso.proxy.control.TorControl;
import org.streamiso.proxy.internal.JtorctlTorControl;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;

/**
 * {@code java -jar streamiso.jar check [AGENT-ARGUMENTS] [OPTIONS]}: verifies the live set-up in the spirit of
 * whonixcheck and prints one line per check, {@code ok} or {@code FAILED} with the likely cause and one fix.
 *
 * <ol>
 * <li>Tor is bootstrapped ({@code GETINFO status/bootstrap-phase}, with {@code --tor-control});</li>
 * <li>the SocksPort answers SOCKS5 and Tor's RESOLVE extension (a plain SOCKS5 server answers "command not
 * supported", an HTTP server an HTTP status line);</li>
 * <li>a JVM under these agent arguments refuses a direct connection, a local DNS lookup and a UDP datagram
 * before anything leaves ({@link LeakProbe}, a child JVM);</li>
 * <li>two isolation keys get two circuits and one key one circuit, by the circuit ids of Tor's STREAM events
 * ({@link IsolationCheck}, with {@code --tor-control}).</li>
 * </ol>
 *
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions (RESOLVE)</a>
 * @see <a href="https://spec.torproject.org/control-spec/">control-spec</a>
 */
final class SelfCheck {
    /** The name resolved through Tor unless {@code --resolve} names another. */
    static final String DEFAULT_RESOLVE = "torproject.org";
    /** The longest the check waits for Tor in one step, unless the agent's {@code timeout} is shorter. */
    static final int MAX_WAIT_SECONDS = 30;
    static final String APP = "streamiso-check";
    /** The longest the check waits for a SOCKS server's answer to the greeting, which needs no circuit. */
    static final int FIRST_REPLY_SECONDS = 5;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The command line of {@code check}. */
    record Options(String agentArguments, AgentConfig config, InetSocketAddress control, Path cookie, String resolve,
            InetSocketAddress probe) {

        static Options parse(String[] args) {
            String agentArguments = null;
            InetSocketAddress control = null;
            Path cookie = null;
            String resolve = DEFAULT_RESOLVE;
            InetSocketAddress probe = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--")) {
                    if (agentArguments != null) {
                        throw new IllegalArgumentException("argument: \"" + a + "\" (expected: the agent arguments "
                                + "once, as one word key=value,key=value)");
                    }
                    agentArguments = a;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + ": nothing (expected: a value after it)");
                }
                String value = args[++i];
                switch (a) {
                    case "--tor-control" -> control = loopbackAddress(a, value);
                    case "--tor-cookie" -> cookie = Path.of(value);
                    case "--resolve" -> resolve = name(a, value);
                    case "--probe" -> probe = hostPort(a, value);
                    default -> throw new IllegalArgumentException("option: \"" + a + "\" (expected: --tor-control, "
                            + "--tor-cookie, --resolve or --probe)");
                }
            }
            if (cookie != null && control == null) {
                throw new IllegalArgumentException("--tor-control: nothing (expected: IP:PORT when --tor-cookie is "
                        + "given)");
            }
            if (probe != null && control == null) {
                throw new IllegalArgumentException("--tor-control: nothing (expected: IP:PORT when --probe is "
                        + "given: the isolation check reads circuits from the ControlPort)");
            }
            AgentConfig config = AgentArguments.parse(agentArguments);
            return new Options(agentArguments == null ? "" : agentArguments, config, control, cookie, resolve, probe);
        }

        private static InetSocketAddress loopbackAddress(String option, String value) {
            InetSocketAddress a = hostPort(option, value);
            byte[] literal = org.streamiso.socks.Socks5Address.parseLiteralIgnoringZone(a.getHostString());
            if (literal == null) {
                throw new IllegalArgumentException(option + ": \"" + value + "\" (expected: IP:PORT, an address, "
                        + "not a name)");
            }
            return new InetSocketAddress(a.getHostString(), a.getPort());
        }

        private static InetSocketAddress hostPort(String option, String value) {
            int colon = value.lastIndexOf(':');
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(value.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            String host = colon > 0 ? value.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (port < 1 || port > 65535 || host.isEmpty()) {
                throw new IllegalArgumentException(option + ": \"" + value + "\" (expected: HOST:PORT, port 1-65535)");
            }
            return InetSocketAddress.createUnresolved(host, port);
        }

        private static String name(String option, String value) {
            if (value.isEmpty() || value.length() > 255 || org.streamiso.socks.Socks5Address.parseLiteralIgnoringZone(value) != null) {
                throw new IllegalArgumentException(option + ": \"" + value + "\" (expected: a host name, 1-255 "
                        + "characters, not an address)");
            }
            return value;
        }
    }

    /** The lines printed so far, and whether one failed. */
    static final class Report {
        private final PrintStream out;
        private int ok;
        private int failed;

        Report(PrintStream out) {
            this.out = out;
        }

        void ok(String text) {
            ok++;
            out.println("ok       " + text);
            out.flush();
        }

        void failed(String text) {
            failed++;
            out.println("FAILED   " + text);
            out.flush();
        }

        void skipped(String text) {
            out.println("skipped  " + text);
            out.flush();
        }

        boolean anyFailed() {
            return failed > 0;
        }

        String summary() {
            return ok + " ok, " + failed + " FAILED";
        }
    }

    private final Options options;
    private final AgentConfig config;
    private final Report report;
    private final String socksPort;

    private SelfCheck(Options options, Report report) {
        this.options = options;
        this.config = options.config();
        this.report = report;
        this.socksPort = config.socksPortText();
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("streamiso check: " + e.getMessage());
            err.println(Main.USAGE);
            return 2;
        }
        Report report = new Report(out);
        out.println("streamiso check of SocksPort " + options.config().socksPortText()
                + (options.control() == null ? "" : ", ControlPort " + text(options.control()))
                + ", agent arguments: " + (options.agentArguments().isEmpty() ? "(none: the defaults)"
                : options.agentArguments()));
        new SelfCheck(options, report).runChecks();
        out.println("streamiso check: " + report.summary() + (report.anyFailed()
                ? "; fix the first FAILED line and run the check again." : "."));
        return report.anyFailed() ? 1 : 0;
    }

    private void runChecks() {
        TorControl control = null;
        boolean bootstrapped = true;
        try {
            if (options.control() == null) {
                report.skipped("Tor's bootstrap and stream isolation: no --tor-control given (Tor's ControlPort, "
                        + "e.g. --tor-control 127.0.0.1:9051 --tor-cookie /run/tor/control.authcookie).");
            } else {
                control = openControl();
                bootstrapped = control != null && checkBootstrap(control);
            }
            boolean socksOk = checkSocksPort();
            new LeakProbe.Runner(config, options.agentArguments(), report, waitSeconds()).run();
            if (control != null) {
                if (socksOk && bootstrapped) {
                    new IsolationCheck(config, control, report, options.probe(), options.resolve(), waitSeconds())
                            .run();
                } else {
                    report.skipped("stream isolation: needs a SocksPort that answers and a bootstrapped Tor (above).");
                }
            }
        } finally {
            if (control != null) {
                try {
                    control.close();
                } catch (IOException ignored) {
                    // The check is over.
                }
            }
        }
    }

    /** When a SOCKS server's first reply bytes (to the greeting) must have come: a few seconds at most. */
    long firstReplyDeadline() {
        return firstReplyDeadline(waitSeconds());
    }

    static long firstReplyDeadline(int waitSeconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(waitSeconds, FIRST_REPLY_SECONDS));
    }

    /** Seconds the check waits for Tor in one step: the agent's {@code timeout}, at most {@value #MAX_WAIT_SECONDS}. */
    int waitSeconds() {
        return Math.min(config.timeoutSeconds(), MAX_WAIT_SECONDS);
    }

    // ---- ControlPort -------------------------------------------------------------------------------------

    private TorControl openControl() {
        String name = text(options.control());
        TorControl control;
        try {
            control = JtorctlTorControl.connect(new InetSocketAddress(options.control().getHostString(),
                    options.control().getPort()), (int) TimeUnit.SECONDS.toMillis(waitSeconds()));
        } catch (IOException e) {
            report.failed("Tor's ControlPort " + name + " could not be reached (" + words(e) + "); bootstrap and "
                    + "isolation were not checked. Is tor running with ControlPort " + options.control().getPort()
                    + " in its torrc?");
            return null;
        }
        byte[] secret;
        try {
            secret = options.cookie() == null ? new byte[0] : Files.readAllBytes(options.cookie());
        } catch (IOException e) {
            closeQuietly(control);
            report.failed("Could not read the ControlPort cookie " + options.cookie() + " (" + words(e) + "); "
                    + "bootstrap and isolation were not checked. Is --tor-cookie tor's control_auth_cookie, readable "
                    + "by this user (Debian: a member of the group debian-tor)?");
            return null;
        }
        try {
            control.authenticate(secret);
        } catch (IOException | RuntimeException e) {
            closeQuietly(control);
            report.failed("Tor's ControlPort " + name + " refused authentication (" + words(e) + "); bootstrap and "
                    + "isolation were not checked. " + (options.cookie() == null
                    ? "Give --tor-cookie FILE, tor's control_auth_cookie (CookieAuthentication 1)."
                    : "Is " + options.cookie() + " the control_auth_cookie of this tor's DataDirectory?"));
            return null;
        }
        return control;
    }

    private boolean checkBootstrap(TorControl control) {
        String phase;
        try {
            phase = control.getInfo("status/bootstrap-phase");
        } catch (IOException | RuntimeException e) {
            report.failed("Tor's ControlPort " + text(options.control()) + " did not answer GETINFO "
                    + "status/bootstrap-phase (" + words(e) + "). Check tor's log.");
            return false;
        }
        ControlLine line = ControlLine.parse(phase == null ? "" : phase.strip());
        String progress = line.keywords().get("PROGRESS");
        String summary = line.keywords().getOrDefault("SUMMARY", "");
        if ("100".equals(progress)) {
            report.ok("Tor has bootstrapped 100% (" + summary + "), ControlPort " + text(options.control()) + ".");
            return true;
        }
        report.failed("Tor has bootstrapped " + (progress == null ? "an unknown part (" + phase + ")" : progress
                + "% (" + summary + ")") + ", not 100%: streams wait, then fail. Tor cannot reach its guards or "
                + "directory authorities yet; check the network and tor's log, and wait for \"Bootstrapped 100%\".");
        return false;
    }

    // ---- SocksPort ---------------------------------------------------------------------------------------

    /** RESOLVE of {@code --resolve} over the SocksPort: Tor answers with an address or one of its reply codes. */
    private boolean checkSocksPort() {
        String name = scrub(options.resolve());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds());
        try (Socket socket = new Socket()) {
            try {
                socket.connect(config.socksPort(), (int) TimeUnit.SECONDS.toMillis(waitSeconds()));
            } catch (IOException e) {
                report.failed(SocksProbe.unreachable(config, e).getMessage());
                return false;
            }
            Socks5CommandResponse reply;
            try {
                reply = SocksProbe.exchange(config, socket, Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE,
                        options.resolve(), 0), newKey("socksport").credentials(), firstReplyDeadline(), deadline);
            } catch (IOException e) {
                SelfCheck.closeQuietly(socket);
                report.failed(e.getMessage() + httpProbe());
                return false;
            }
            Socks5CommandStatus status = reply.status();
            if (status.isSuccess()) {
                report.ok("SocksPort " + socksPort + " answers SOCKS5 and Tor's RESOLVE: " + name + " resolved "
                        + "through Tor.");
                return true;
            }
            if (status.equals(Socks5CommandStatus.HOST_UNREACHABLE)) {
                report.ok("SocksPort " + socksPort + " answers SOCKS5 and Tor's RESOLVE: " + name + " did not "
                        + "resolve, " + status + ", Tor's answer for a name its exit could not resolve.");
                return true;
            }
            if (status.equals(Socks5CommandStatus.COMMAND_UNSUPPORTED)) {
                report.failed("SocksPort " + socksPort + " answers SOCKS5 but not Tor's RESOLVE (" + status + "): "
                        + "a SOCKS5 server that is not Tor, so name lookups under dns=remote fail. Point port= at a "
                        + "Tor SocksPort or proxy-core.");
                return false;
            }
            report.failed("SocksPort " + socksPort + " answered RESOLVE of " + name + " with " + status
                    + ". Tor has not bootstrapped or cannot build circuits: check tor's log for \"Bootstrapped 100%\".");
            return false;
        } catch (IOException e) {
            report.failed("SocksPort " + socksPort + ": " + words(e));
            return false;
        }
    }

    /**
     * After a failed SOCKS handshake, what the port answers to an HTTP request: Tor's SocksPort answers "501 Tor is
     * not an HTTP Proxy", an HTTP server its own status line (many HTTP servers never answer SOCKS bytes, which hold
     * no line end, so the handshake alone cannot tell them).
     */
    private String httpProbe() {
        try (Socket socket = new Socket()) {
            socket.connect(config.socksPort(), 2000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while (line.length() < 80 && (c = in.read()) >= 0 && c != '\r' && c != '\n') {
                line.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
            }
            String status = line.toString();
            if (status.contains("Tor is not an HTTP Proxy")) {
                return " Yet it is Tor's SocksPort: it answers HTTP with \"" + status + "\".";
            }
            if (status.startsWith("HTTP/")) {
                return " It answers HTTP with \"" + status + "\": an HTTP server listens there, not Tor's SocksPort. "
                        + "Point port= at the SocksPort of the torrc (SocksPort N), not an HTTP server or HTTPTunnelPort.";
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** A fresh isolation key of the check's own: {@code <torS0X>0} and {@code si1:streamiso-check:KIND:random}. */
    static IsolationString newKey(String kind) {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return new IsolationString(APP, kind, HexFormat.of().formatHex(b));
    }

    String scrub(Object sensitive) {
        return scrub(config, sensitive);
    }

    static String scrub(AgentConfig config, Object sensitive) {
        return config.safeLogging() ? "[scrubbed]" : String.valueOf(sensitive);
    }

    static String text(InetSocketAddress a) {
        return Socks5Address.format(a.getHostString(), a.getPort());
    }

    static String words(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isEmpty() ? t.getClass().getSimpleName() : m;
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Nothing more to do.
        }
    }
}
