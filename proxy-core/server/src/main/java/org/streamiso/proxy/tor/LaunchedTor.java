package org.streamiso.proxy.tor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamiso.proxy.control.TorControl;
import org.streamiso.proxy.internal.JtorctlTorControl;
import org.streamiso.proxy.internal.Log;

/**
 * One run of a tor process that proxy-core launched: its generated torrc, the process, and proxy-core's owning
 * ControlPort connection (TAKEOWNERSHIP: tor exits when it closes, so when proxy-core dies by any means).
 *
 * <p>The SocksPort is {@code 127.0.0.1:auto}: tor picks a free port, read back with
 * {@code GETINFO net/listeners/socks}, so proxy-core never connects to a port it only guessed was free.
 */
final class LaunchedTor implements AutoCloseable {
    private static final Pattern PROGRESS = Pattern.compile("PROGRESS=(\\d+)");
    private static final Pattern TAG = Pattern.compile("TAG=(\\S+)");
    private static final Pattern SUMMARY = Pattern.compile("SUMMARY=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern WARNING = Pattern.compile("WARNING=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern RECOMMENDATION = Pattern.compile("RECOMMENDATION=(\\S+)");
    private static final Duration CONTROL_FILE_TIMEOUT = Duration.ofSeconds(30);
    private static final int LOG_TAIL = 20;
    private static final long STOP_GRACE_MILLIS = 5_000;

    /** Told of bootstrap steps, on the control connection's thread. */
    interface Progress {
        void step(int percent, String tag, String summary);
    }

    private final int index;
    private final Path dir;
    private final Process process;
    private final Deque<String> logTail = new ArrayDeque<>();
    private final Log log;
    private volatile String lastWarning;
    private volatile int percent = -1;
    private volatile String tag = "starting";
    private volatile String summary = "Starting";
    private volatile long lastProgressNanos = System.nanoTime();
    private final Object progressChanged = new Object();
    private TorControl control;
    private InetSocketAddress controlPort;
    private InetSocketAddress socksPort;

    private LaunchedTor(int index, Path dir, Process process, Log log) {
        this.index = index;
        this.dir = dir;
        this.process = process;
        this.log = log;
        Thread reader = new Thread(this::readLog, "streamiso-proxy-core-tor-" + (index + 1) + "-log");
        reader.setDaemon(true);
        reader.start();
    }

    /** The directory of daemon {@code index} (0-based) under {@code dataRoot}. */
    static Path directory(Path dataRoot, int index) {
        return dataRoot.resolve("tor-" + (index + 1));
    }

    /** Starts tor {@code index}; returns once its process runs (see {@link #connect}). */
    static LaunchedTor start(TorLaunch launch, Path tor, int index, Log log) throws IOException {
        Path dir = directory(launch.dataRoot(), index);
        privateDirectory(launch.dataRoot());
        privateDirectory(dir);
        Path data = dir.resolve("data");
        privateDirectory(data);
        Files.deleteIfExists(dir.resolve("control-port"));
        Path defaults = dir.resolve("torrc-defaults");
        Files.writeString(defaults, "# Empty on purpose: keeps the system's torrc-defaults out.\n");
        Path torrc = dir.resolve("torrc");
        Files.writeString(torrc, torrc(launch, dir, ProcessHandle.current().pid()), StandardCharsets.UTF_8);
        ProcessBuilder builder = new ProcessBuilder(tor.toString(), "-f", torrc.toString(), "--defaults-torrc",
                defaults.toString()).redirectErrorStream(true);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("Could not start " + tor + " (" + e.getMessage() + "); no tor runs. Is tor"
                    + " installed (apt-get install tor), or is --tor-binary right?", e);
        }
        return new LaunchedTor(index, dir, process, log);
    }

    /** The generated torrc of one daemon. */
    static String torrc(TorLaunch launch, Path dir, long ownerPid) {
        StringBuilder t = new StringBuilder();
        t.append("# Written by proxy-core (--launch-tor) at every start of this tor; edits are lost.\n");
        t.append("DataDirectory ").append(dir.resolve("data")).append('\n');
        t.append("# A SocksPort on a free loopback port that tor picks; proxy-core reads it from the ControlPort.\n");
        t.append("# KeepAliveIsolateSOCKSAuth keeps a key's circuit while it carries that key's streams.\n");
        t.append("SocksPort 127.0.0.1:auto KeepAliveIsolateSOCKSAuth ExtendedErrors\n");
        t.append("ControlPort 127.0.0.1:auto\n");
        t.append("ControlPortWriteToFile ").append(dir.resolve("control-port")).append('\n');
        t.append("CookieAuthentication 1\n");
        t.append("CookieAuthFile ").append(dir.resolve("data").resolve("control_auth_cookie")).append('\n');
        t.append("# Tor exits when proxy-core (this process) does, even after kill -9.\n");
        t.append("__OwningControllerProcess ").append(ownerPid).append('\n');
        t.append("PidFile ").append(dir.resolve("tor.pid")).append('\n');
        t.append("RunAsDaemon 0\n");
        t.append("ClientOnly 1\n");
        t.append("Log notice stdout\n");
        for (Path include : launch.torConfigs()) {
            t.append("%include ").append(include.toAbsolutePath()).append('\n');
        }
        return t.toString();
    }

    private static void privateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // Not a POSIX file system: tor checks the DataDirectory itself.
        }
    }

    private void readLog() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (logTail) {
                    logTail.addLast(line);
                    if (logTail.size() > LOG_TAIL) {
                        logTail.removeFirst();
                    }
                }
                if (line.contains("[warn]") || line.contains("[err]")) {
                    lastWarning = line.substring(line.indexOf('[')).strip();
                }
                log.debug("tor " + (index + 1) + ": " + line);
            }
        } catch (IOException ignored) {
            // The process ended.
        }
    }

    /**
     * Waits for the ControlPort, authenticates with the cookie, takes ownership, subscribes to bootstrap events
     * and reads the SocksPort.
     */
    void connect(Progress progress) throws IOException, InterruptedException {
        Path file = dir.resolve("control-port");
        long deadline = System.nanoTime() + CONTROL_FILE_TIMEOUT.toNanos();
        String text = null;
        while (text == null) {
            try {
                text = Files.readString(file, StandardCharsets.US_ASCII);
                if (!text.endsWith("\n")) {
                    text = null; // still being written
                }
            } catch (NoSuchFileException notYet) {
                // tor has not opened its ControlPort yet
            }
            if (text == null) {
                if (!process.isAlive()) {
                    throw new IOException("tor " + (index + 1) + " exited with code " + process.exitValue()
                            + " before it opened its ControlPort" + lastWords());
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new IOException("tor " + (index + 1) + " did not open its ControlPort within "
                            + CONTROL_FILE_TIMEOUT.toSeconds() + " s" + lastWords());
                }
                TimeUnit.MILLISECONDS.sleep(20); // polls a file that tor writes once
            }
        }
        controlPort = address(text.strip().replaceFirst("^PORT=", ""), "ControlPort");
        TorControl c = JtorctlTorControl.connect(controlPort, 10_000);
        try {
            c.setEventListener((keyword, data) -> onEvent(keyword, data, progress));
            c.authenticate(Files.readAllBytes(dir.resolve("data").resolve("control_auth_cookie")));
            c.takeOwnership();
            c.setEvents(List.of("STATUS_CLIENT", "WARN"));
            String listeners = c.getInfo("net/listeners/socks");
            socksPort = address(listeners.strip().split(" ")[0].replace("\"", ""), "SocksPort");
            onBootstrap(c.getInfo("status/bootstrap-phase"), progress);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        control = c;
    }

    private InetSocketAddress address(String hostPort, String what) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        if (!hostPort.startsWith("127.") || colon < 0) {
            throw new IOException("tor " + (index + 1) + " reported its " + what + " as \"" + hostPort
                    + "\", not a 127.0.0.0/8 address; it was stopped. Does a --tor-config file set " + what + "?");
        }
        return new InetSocketAddress(InetAddress.getByName(hostPort.substring(0, colon)),
                Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private void onEvent(String keyword, String data, Progress progress) {
        if ("WARN".equals(keyword) || "ERR".equals(keyword)) {
            lastWarning = data.strip();
        } else if ("STATUS_CLIENT".equals(keyword) && data.contains("BOOTSTRAP")) {
            Matcher warning = WARNING.matcher(data);
            if (warning.find()) {
                Matcher recommendation = RECOMMENDATION.matcher(data);
                lastWarning = warning.group(1) + (recommendation.find() ? " (Tor recommends: "
                        + recommendation.group(1).toLowerCase() + ")" : "");
            }
            onBootstrap(data, progress);
        }
    }

    private void onBootstrap(String phase, Progress progress) {
        if (phase == null) {
            return;
        }
        Matcher p = PROGRESS.matcher(phase);
        if (!p.find()) {
            return;
        }
        int value = Integer.parseInt(p.group(1));
        Matcher t = TAG.matcher(phase);
        Matcher s = SUMMARY.matcher(phase);
        synchronized (progressChanged) {
            if (value != percent) {
                lastProgressNanos = System.nanoTime();
            }
            percent = value;
            tag = t.find() ? t.group(1) : tag;
            summary = s.find() ? s.group(1) : summary;
            progressChanged.notifyAll();
        }
        progress.step(value, tag, summary);
    }

    /**
     * Waits until tor has bootstrapped 100%.
     *
     * @throws IOException when tor exits, or makes no progress for {@code stallTimeout}, with Tor's last warning
     */
    void awaitBootstrapped(Duration stallTimeout) throws IOException, InterruptedException {
        synchronized (progressChanged) {
            while (percent < 100) {
                if (!process.isAlive()) {
                    throw new IOException("tor " + (index + 1) + " exited with code " + process.exitValue()
                            + " while bootstrapping at " + Math.max(percent, 0) + "%" + lastWords());
                }
                long stalledFor = System.nanoTime() - lastProgressNanos;
                if (stalledFor >= stallTimeout.toNanos()) {
                    throw new IOException("tor " + (index + 1) + " made no bootstrap progress for "
                            + stallTimeout.toSeconds() + " s, at " + Math.max(percent, 0) + "% (" + tag + ": "
                            + summary + "); Tor's last warning: " + (lastWarning == null ? "none" : lastWarning)
                            + ". Is this machine online, and its clock right? Where Tor is blocked, give Bridge lines"
                            + " in a --tor-config file. Tor's DataDirectory: " + dir.resolve("data"));
                }
                long waitMillis = Math.min(500, TimeUnit.NANOSECONDS.toMillis(stallTimeout.toNanos() - stalledFor) + 1);
                progressChanged.wait(waitMillis);
            }
        }
    }

    private String lastWords() {
        StringBuilder sb = new StringBuilder("; its last log lines:");
        synchronized (logTail) {
            for (String line : logTail) {
                sb.append(System.lineSeparator()).append("  ").append(line);
            }
        }
        return sb.toString();
    }

    InetSocketAddress socksPort() {
        return socksPort;
    }

    InetSocketAddress controlPort() {
        return controlPort;
    }

    Path cookieFile() {
        return dir.resolve("data").resolve("control_auth_cookie");
    }

    Process process() {
        return process;
    }

    /** Blocks until the process ends; returns its exit code. */
    int awaitExit() throws InterruptedException {
        return process.waitFor();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Stops tor: SIGTERM (a client exits at once), SIGKILL after 5 s; waits for it. */
    @Override
    public void close() {
        if (control != null) {
            try {
                control.close(); // tor exits when its owning connection closes
            } catch (IOException ignored) {
                // Going anyway.
            }
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
