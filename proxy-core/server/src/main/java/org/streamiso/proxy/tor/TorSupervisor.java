package org.streamiso.proxy.tor;

import org.streamiso.socks.Socks5CommandStatus;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.JtorctlTorControl;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.ProxyServer;
import org.streamiso.proxy.relay.StreamObserver;

/**
 * The tor daemons that proxy-core launched ({@code --launch-tor [N]}): starts them, shows their bootstrap, gives the
 * relay their SocksPorts once each has bootstrapped, restarts one that dies (with back-off, its SocksPort
 * unavailable meanwhile so that its keys' new streams go to another tor or get SOCKS reply 0x01, never anywhere
 * else), and stops them all on {@link #close()}.
 *
 * <p>Each daemon has its own {@link CircuitAudit} and {@link TorMonitor} (circuit ids are per tor); the relay's
 * observer hands each upstream connection to the audit of the SocksPort it went to.
 */
public final class TorSupervisor implements AutoCloseable {
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    private static final int CONTROL_CONNECT_TIMEOUT_MILLIS = 10_000;

    private final TorLaunch launch;
    private final Path tor;
    private final Log log;
    private final LaunchedTor[] daemons;
    private final CircuitAudit[] audits;
    private final TorMonitor[] monitors;
    private final Map<InetSocketAddress, CircuitAudit> auditsBySocksPort = new ConcurrentHashMap<>();
    private final List<Thread> watchers = new ArrayList<>();
    private volatile boolean closed;

    private TorSupervisor(TorLaunch launch, Path tor, Log log, Safelog safelog) {
        this.launch = launch;
        this.tor = tor;
        this.log = log;
        this.daemons = new LaunchedTor[launch.count()];
        this.audits = new CircuitAudit[launch.count()];
        this.monitors = new TorMonitor[launch.count()];
        for (int i = 0; i < launch.count(); i++) {
            audits[i] = new CircuitAudit(log, safelog);
        }
    }

    /**
     * Starts every daemon and waits until each has bootstrapped, showing the progress on {@code terminal} (a bar)
     * or, when it is null, as log lines.
     *
     * @throws IOException when a tor cannot be started or does not bootstrap; every tor started was stopped
     */
    public static TorSupervisor start(TorLaunch launch, Log log, Safelog safelog, PrintStream terminal)
            throws IOException, InterruptedException {
        Path tor = launch.torBinary() != null ? launch.torBinary() : locateTor();
        TorSupervisor supervisor = new TorSupervisor(launch, tor, log, safelog);
        BootstrapProgress progress = new BootstrapProgress(terminal, log, launch.count());
        try {
            for (int i = 0; i < launch.count(); i++) {
                supervisor.daemons[i] = LaunchedTor.start(launch, tor, i, log);
            }
            for (int i = 0; i < launch.count(); i++) {
                int index = i;
                supervisor.daemons[i].connect((p, tag, words) -> progress.step(index, p, tag, words));
            }
            for (int i = 0; i < launch.count(); i++) {
                supervisor.daemons[i].awaitBootstrapped(launch.stallTimeout());
            }
        } catch (IOException e) {
            progress.done();
            supervisor.close();
            throw new IOException(e.getMessage() + " Every tor that proxy-core started was stopped.", e);
        } catch (InterruptedException | RuntimeException e) {
            progress.done();
            supervisor.close();
            throw e;
        }
        progress.done();
        for (int i = 0; i < launch.count(); i++) {
            supervisor.auditsBySocksPort.put(supervisor.daemons[i].socksPort(), supervisor.audits[i]);
            int index = i;
            supervisor.monitors[i] = new TorMonitor(() -> JtorctlTorControl.connect(
                    supervisor.controlPortOf(index), CONTROL_CONNECT_TIMEOUT_MILLIS),
                    () -> Files.readAllBytes(supervisor.daemons[index].cookieFile()), supervisor.name(index),
                    supervisor.audits[i], log, Duration.ofSeconds(1));
            supervisor.monitors[i].logBootstrap(false);
            try {
                supervisor.monitors[i].connect();
            } catch (IOException e) {
                supervisor.close();
                throw e;
            }
        }
        return supervisor;
    }

    /** {@code out} when it is a terminal, where the bootstrap is drawn as a bar; else null (log lines). */
    public static PrintStream terminalOrNull(PrintStream out) {
        return BootstrapProgress.terminalOrNull(out);
    }

    /** {@code tor} on {@code PATH}, else /usr/bin/tor or /usr/sbin/tor. */
    static Path locateTor() throws IOException {
        String path = System.getenv("PATH");
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    candidates.add(Path.of(entry, "tor"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/tor"));
        candidates.add(Path.of("/usr/sbin/tor"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IOException("--launch-tor: no tor program on PATH, /usr/bin or /usr/sbin; no tor was started."
                + " Install it (apt-get install tor), or give --tor-binary FILE.");
    }

    private InetSocketAddress controlPortOf(int index) throws IOException {
        LaunchedTor daemon = daemons[index];
        if (daemon == null || !daemon.isAlive() || daemon.controlPort() == null) {
            throw new IOException(name(index) + " is not running");
        }
        return daemon.controlPort();
    }

    private String name(int index) {
        return "tor " + (index + 1) + " (launched by proxy-core)";
    }

    /** Each daemon's SocksPort, in order: the relay's {@code torSocksPorts}. */
    public List<InetSocketAddress> socksPorts() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (LaunchedTor daemon : daemons) {
            out.add(daemon.socksPort());
        }
        return out;
    }

    /** Each daemon's monitor (ControlPort, audit), in order. */
    public List<TorMonitor> monitors() {
        return List.of(monitors);
    }

    /** Hands each upstream connection to the audit of the tor whose SocksPort it went to. */
    public StreamObserver observer() {
        return new StreamObserver() {
            @Override
            public void upstreamOpened(InetSocketAddress socksPort, InetSocketAddress localAddress, String key) {
                CircuitAudit audit = auditsBySocksPort.get(socksPort);
                if (audit != null) {
                    audit.upstreamOpened(socksPort, localAddress, key);
                }
            }

            @Override
            public void upstreamClosed(InetSocketAddress socksPort, InetSocketAddress localAddress) {
                CircuitAudit audit = auditsBySocksPort.get(socksPort);
                if (audit != null) {
                    audit.upstreamClosed(socksPort, localAddress);
                }
            }
        };
    }

    /** Isolation violations over every daemon's audit. */
    public long violationCount() {
        long n = 0;
        for (CircuitAudit audit : audits) {
            n += audit.violationCount();
        }
        return n;
    }

    /** Follows the daemons from now on, restarting one that dies and telling {@code server} where it is. */
    public synchronized void supervise(ProxyServer server) {
        for (int i = 0; i < daemons.length; i++) {
            monitors[i].startFollowing();
            int index = i;
            Thread watcher = new Thread(() -> watch(index, server), "streamiso-proxy-core-tor-" + (i + 1));
            watcher.setDaemon(true);
            watchers.add(watcher);
            watcher.start();
        }
    }

    private void watch(int index, ProxyServer server) {
        Duration backoff = FIRST_BACKOFF;
        long upSince = System.nanoTime();
        try {
            while (!closed) {
                LaunchedTor daemon = daemons[index];
                int code = daemon.awaitExit();
                if (closed) {
                    return;
                }
                server.socksPortUnavailable(index);
                auditsBySocksPort.remove(daemon.socksPort());
                daemon.close();
                if (System.nanoTime() - upSince >= MAX_BACKOFF.toNanos()) {
                    backoff = FIRST_BACKOFF;
                }
                log.warn(name(index) + " exited (code " + code + "); its streams ended, and new streams of its keys "
                        + (daemons.length > 1 ? "go to the other tors" : "get " + Socks5CommandStatus.FAILURE + ", nothing goes"
                        + " anywhere else,") + " until it is back. Restarting it in " + backoff.toSeconds() + " s.");
                while (!closed) {
                    TimeUnit.MILLISECONDS.sleep(backoff.toMillis());
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    LaunchedTor next = null;
                    try {
                        next = LaunchedTor.start(launch, tor, index, log);
                        synchronized (this) {
                            if (closed) {
                                next.close();
                                return;
                            }
                            daemons[index] = next;
                        }
                        BootstrapProgress progress = new BootstrapProgress(null, log, daemons.length);
                        next.connect((p, tag, words) -> progress.step(index, p, tag, words));
                        next.awaitBootstrapped(launch.stallTimeout());
                        auditsBySocksPort.put(next.socksPort(), audits[index]);
                        server.socksPortAvailable(index, next.socksPort());
                        upSince = System.nanoTime();
                        log.info(name(index) + " is back, SocksPort " + hostPort(next.socksPort())
                                + "; streams go through it again.");
                        break;
                    } catch (IOException e) {
                        if (next != null) {
                            next.close();
                        }
                        log.error("Restarting " + name(index) + " failed: " + e.getMessage() + " Trying again in "
                                + backoff.toSeconds() + " s.");
                    }
                }
            }
        } catch (InterruptedException e) {
            // close(): stopping.
        }
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** Stops every daemon (SIGTERM, then SIGKILL after 5 s) and waits for each. */
    @Override
    public void close() {
        List<LaunchedTor> running = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (Thread watcher : watchers) {
                watcher.interrupt();
            }
            for (LaunchedTor daemon : daemons) {
                if (daemon != null) {
                    running.add(daemon);
                }
            }
        }
        for (TorMonitor monitor : monitors) {
            if (monitor != null) {
                monitor.close();
            }
        }
        for (LaunchedTor daemon : running) {
            daemon.close();
        }
    }
}
