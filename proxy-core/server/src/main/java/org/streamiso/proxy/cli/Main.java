package org.streamiso.proxy.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.streamiso.socks.Socks5Address;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.JtorctlTorControl;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.OpenFilesLimit;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.proxy.relay.ListenerConfig;
import org.streamiso.proxy.relay.ProxyServer;
import org.streamiso.proxy.relay.RelayConfig;
import org.streamiso.proxy.relay.StreamGate;
import org.streamiso.proxy.relay.StreamObserver;
import org.streamiso.proxy.status.StatusCollector;
import org.streamiso.proxy.status.StatusServer;
import org.streamiso.proxy.tor.TorSupervisor;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@code java -jar proxy-core.jar}: parses the command line, connects to the ControlPort (when asked), binds the
 * listening ports and relays until stopped by a signal; or runs one of the commands ({@link StatusCommand},
 * {@code completion}). See {@link Options#EXIT_CODES}.
 */
public final class Main {
    public static final int EXIT_OK = 0;
    public static final int EXIT_RELAY_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_LISTEN_FAILED = 3;
    public static final int EXIT_CONTROL_FAILED = 4;
    public static final int EXIT_STATUS_FAILED = 5;
    public static final int EXIT_TOR_LAUNCH_FAILED = 6;

    private static final int CONTROL_CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final Duration CONTROL_RECONNECT_DELAY = Duration.ofSeconds(5);

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, new CountDownLatch(1)));
    }

    /**
     * Runs proxy-core until {@code stop} counts down or the JVM is asked to exit.
     *
     * @return the exit code
     */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) {
        CommandLine cli = Options.commandLine();
        Options options;
        try {
            ParseResult parsed = Options.parseArgs(cli, args);
            ParseResult command = parsed.subcommand();
            if (command == null) {
                options = Options.from(parsed);
                if (options.help) {
                    out.print(cli.getUsageMessage());
                    return EXIT_OK;
                }
            } else {
                if (!parsed.matchedOptions().isEmpty()) {
                    throw new Options.UsageException("option: \"" + parsed.matchedOptions().get(0).longestName()
                            + "\" (expected: the command first, then its own options, e.g. "
                            + command.commandSpec().name() + " --status 127.0.0.1:9158)");
                }
                if (command.isUsageHelpRequested()) {
                    out.print(command.commandSpec().commandLine().getUsageMessage());
                    return EXIT_OK;
                }
                if (command.commandSpec().name().equals("completion")) {
                    out.print(AutoComplete.bash(cli.getCommandName(), cli));
                    return EXIT_OK;
                }
                return StatusCommand.run(command, out, err);
            }
        } catch (Options.UsageException e) {
            err.println("proxy-core: " + e.getMessage());
            if (e.suggestion != null) {
                err.println(e.suggestion);
            }
            err.println("Try --help for every option.");
            return EXIT_USAGE;
        } catch (IllegalArgumentException e) {
            err.println("proxy-core: " + e.getMessage());
            return EXIT_USAGE;
        }
        Log log = new Log(err, options.debug);
        Safelog safelog = new Safelog(options.relay.unsafeLogging());
        if (safelog.isUnsafe()) {
            log.warn("--unsafe-logging is on: destinations and isolation keys are logged in clear.");
        }
        OptionalLong openFiles = OpenFilesLimit.soft();
        String openFilesWarning = openFiles.isPresent()
                ? OpenFilesLimit.warning(openFiles.getAsLong(), options.relay.maxStreams()) : null;
        if (openFilesWarning != null) {
            log.warn(openFilesWarning);
        }

        CircuitAudit audit = null;
        TorMonitor monitor = null;
        RelayConfig relay = options.relay;
        TorSupervisor launched = null;
        if (options.launch != null) {
            try {
                launched = TorSupervisor.start(options.launch, log, safelog, TorSupervisor.terminalOrNull(err));
            } catch (IOException e) {
                log.error(e.getMessage() + " proxy-core did not start.");
                return EXIT_TOR_LAUNCH_FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return EXIT_TOR_LAUNCH_FAILED;
            }
            relay = relay.withTorSocksPorts(launched.socksPorts());
            monitor = launched.monitors().get(0); // the status endpoint shows the first tor's circuits
        } else if (options.torControl != null) {
            InetSocketAddress controlPort = options.torControl;
            audit = new CircuitAudit(log, safelog);
            TorMonitor.Secret secret = secret(options);
            monitor = new TorMonitor(() -> JtorctlTorControl.connect(controlPort, CONTROL_CONNECT_TIMEOUT_MILLIS),
                    secret, Socks5Address.format(controlPort), audit, log, CONTROL_RECONNECT_DELAY);
            try {
                monitor.connect();
            } catch (IOException e) {
                log.error(e.getMessage() + " proxy-core did not start.");
                return EXIT_CONTROL_FAILED;
            }
        }

        IsolationCredentials credentials = IsolationCredentials.random();
        ProxyServer server;
        try {
            // A launched tor's SocksPort is tried only while that tor is up: no gate of the first tor's for all.
            server = ProxyServer.start(relay, credentials,
                    launched != null ? StreamGate.OPEN : monitor != null ? monitor : StreamGate.OPEN,
                    launched != null ? launched.observer() : audit != null ? audit : StreamObserver.NONE, log);
        } catch (IOException e) {
            log.error(e.getMessage());
            if (monitor != null) {
                monitor.close();
            }
            closeLaunched(launched);
            return EXIT_LISTEN_FAILED;
        }
        StatusServer status = null;
        if (options.status != null) {
            try {
                status = StatusServer.start(options.status, new StatusCollector(server, credentials, monitor, safelog),
                        credentials, monitor, safelog, log);
            } catch (IOException e) {
                log.error(e.getMessage());
                server.close();
                if (monitor != null) {
                    monitor.close();
                }
                closeLaunched(launched);
                return EXIT_LISTEN_FAILED;
            }
        }
        if (launched != null) {
            launched.supervise(server);
        } else if (monitor != null) {
            monitor.startFollowing();
        }
        StringBuilder listening = new StringBuilder();
        for (int i = 0; i < server.listenAddresses().size(); i++) {
            ListenerConfig listener = options.relay.listeners().get(i);
            listening.append(i == 0 ? "" : ", ").append(Socks5Address.format(server.listenAddresses().get(i)))
                    .append(" (isolate=").append(listener.isolation())
                    .append(listener.requiresPassword() ? ", password" : "").append(')');
        }
        StringBuilder upstreams = new StringBuilder();
        for (InetSocketAddress socksPort : relay.torSocksPorts()) {
            upstreams.append(upstreams.length() == 0 ? "" : ", ").append(Socks5Address.format(socksPort));
        }
        log.info("proxy-core listening on " + listening + "; relaying only to Tor SocksPort " + upstreams
                + (launched != null ? " (tor launched by proxy-core; circuit audit on through each one's ControlPort)"
                : monitor != null ? "; circuit audit on through ControlPort " + Socks5Address.format(options.torControl)
                : "; no --tor-control, so no circuit audit")
                + (status != null ? "; status on http://" + Socks5Address.format(status.address()) + "/status" : "") + ".");

        ProxyServer running = server;
        TorMonitor runningMonitor = monitor;
        StatusServer runningStatus = status;
        TorSupervisor runningTor = launched;
        AtomicBoolean stoppedBySignal = new AtomicBoolean();
        AtomicBoolean relayEnded = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            stoppedBySignal.set(true);
            stop.countDown();
            shutdown(running, runningMonitor, runningStatus, log);
            closeLaunched(runningTor);
        }, "streamiso-proxy-core-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        Thread waiter = new Thread(() -> {
            try {
                running.join();
            } catch (InterruptedException ignored) {
                // Stopping anyway.
            }
            relayEnded.set(true);
            stop.countDown();
        }, "streamiso-proxy-core-wait");
        waiter.setDaemon(true);
        waiter.start();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stoppedBySignal.get()) {
            return EXIT_OK;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return EXIT_OK;
        }
        boolean relayDied = relayEnded.get();
        shutdown(server, monitor, status, log);
        closeLaunched(launched);
        return relayDied ? EXIT_RELAY_FAILED : EXIT_OK;
    }

    private static void shutdown(ProxyServer server, TorMonitor monitor, StatusServer status, Log log) {
        if (status != null) {
            status.close();
        }
        server.close();
        String audit = "";
        if (monitor != null) {
            audit = "; isolation violations: " + monitor.audit().violationCount();
            monitor.close();
        }
        log.info("proxy-core stopped: " + server.stats() + audit + ".");
    }

    /** Stops the tors that proxy-core launched, and waits for them. */
    private static void closeLaunched(TorSupervisor launched) {
        if (launched != null) {
            launched.close();
        }
    }

    private static TorMonitor.Secret secret(Options options) {
        if (options.torCookie != null) {
            return () -> Files.readAllBytes(options.torCookie);
        }
        if (options.torControlPasswordFile != null) {
            return () -> {
                try {
                    return Options.readPassword("--tor-control-password-file", options.torControlPasswordFile.toString(),
                            options.torControlPasswordFile).getBytes(StandardCharsets.ISO_8859_1);
                } catch (Options.UsageException e) {
                    throw new IOException(e.getMessage(), e);
                }
            };
        }
        return () -> new byte[0];
    }

}
