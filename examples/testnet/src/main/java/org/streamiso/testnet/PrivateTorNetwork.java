package org.streamiso.testnet;

import org.streamiso.socks.Socks5Address;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.streamiso.testing.EchoServer;
import org.streamiso.testnet.internal.Executables;
import org.streamiso.testnet.internal.FreePorts;
import org.streamiso.testnet.internal.LoopbackNameserver;
import org.streamiso.testnet.internal.Relay;
import org.streamiso.testnet.internal.RelayKeys;
import org.streamiso.testnet.internal.Socks5Connect;
import org.streamiso.testnet.internal.TorProcess;
import org.streamiso.testnet.internal.Torrc;
import org.streamiso.testnet.internal.TorrcTemplates;

/**
 * A private Tor network on 127.0.0.1: three directory authorities, two exit relays that exit to
 * 127.0.0.0/8 only, and one client with several SocksPorts, a ControlPort and MapAddress names
 * that exist only inside it.
 *
 * <p>{@link #start} returns once the network carries a stream: a SOCKS5 CONNECT to a listener of
 * the harness's own, by a MapAddress name, through every SocksPort, with bytes echoed back.
 *
 * <p><b>Important:</b> nothing leaves loopback. Every port is on 127.0.0.1, the exits accept
 * 127.0.0.0/8 only, MapAddress targets must be in 127.0.0.0/8, and the exits resolve names through
 * a nameserver of the harness that answers NXDOMAIN to everything.
 *
 * <p>{@link #close()} stops every tor, and so does a JVM shutdown hook; each tor also exits by
 * itself when this JVM dies ({@code __OwningControllerProcess}).
 *
 * <pre>{@code
 * try (PrivateTorNetwork tor = PrivateTorNetwork.start(dir, Map.of("web.streamiso.test", "127.0.0.1"))) {
 *     InetSocketAddress socksPort = tor.socksPorts().get(0);
 *     ...
 * }
 * }</pre>
 */
public final class PrivateTorNetwork implements AutoCloseable {

    /** How long {@link #start} waits for the network to carry a stream, unless told otherwise. */
    public static final Duration DEFAULT_BOOTSTRAP_TIMEOUT = Duration.ofSeconds(120);

    /** How many plain SocksPorts the client has, unless told otherwise. */
    public static final int DEFAULT_SOCKS_PORT_COUNT = 4;

    /** The MapAddress name of the readiness probe; always mapped to 127.0.0.1. */
    public static final String PROBE_NAME = "probe.testnet.streamiso.test";

    private static final int AUTHORITY_COUNT = 3;
    private static final int EXIT_COUNT = 2;
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final long STOP_GRACE_MILLIS = 5_000;
    private static final int LOG_TAIL_LINES = 15;
    private static final Pattern BOOTSTRAPPED = Pattern.compile("Bootstrapped (\\d+)%.*");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

    private final Path workDir;
    private final Map<String, String> mappedNames;
    private final int socksPortCount;
    private final Duration bootstrapTimeout;
    private final Consumer<String> progress;
    private final Path tor;
    private final Path torGencert;
    private final boolean infoLogs;
    private final List<String> namespaceAddresses;

    /** Guarded by {@code this}, with {@link #closed}: no tor starts after close() took its list. */
    private final List<TorProcess> processes = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::close, "streamiso-testnet-shutdown");
    private LoopbackNameserver nameserver;
    private EchoServer probeListener;
    private List<InetSocketAddress> socksPorts = List.of();
    private InetSocketAddress isolateDestAddrSocksPort;
    private InetSocketAddress noIsolateSocksAuthSocksPort;
    private InetSocketAddress controlPort;
    private Path cookieFile;
    private Path otherClientTorrc;
    private TorProcess client;
    private Duration bootstrapTime;
    private boolean closed;

    private PrivateTorNetwork(Builder builder) {
        this.workDir = builder.workDir.toAbsolutePath();
        Map<String, String> names = new LinkedHashMap<>(builder.mapAddresses);
        names.putAll(builder.namespaceAddresses);
        names.put(PROBE_NAME, "127.0.0.1");
        this.namespaceAddresses = List.copyOf(builder.namespaceAddresses.values());
        this.mappedNames = Collections.unmodifiableMap(names);
        this.socksPortCount = builder.socksPortCount;
        this.bootstrapTimeout = builder.bootstrapTimeout;
        this.progress = builder.progress;
        this.tor = builder.tor;
        this.torGencert = builder.torGencert;
        this.infoLogs = builder.infoLogs;
    }

    /**
     * Starts a network in {@code workDir} (missing or empty) with the given MapAddress names, and
     * waits up to {@link #DEFAULT_BOOTSTRAP_TIMEOUT} until it carries a stream.
     *
     * @param mapAddresses name to 127.0.0.0/8 address, e.g. {@code "web.streamiso.test" -> "127.0.0.1"}
     * @throws IOException when tor cannot be found or started, or the network is not ready in time;
     *                     every tor started so far has been stopped
     */
    public static PrivateTorNetwork start(Path workDir, Map<String, String> mapAddresses) throws IOException {
        return builder(workDir).mapAddresses(mapAddresses).start();
    }

    /** A builder for a network in {@code workDir}, which must be missing or empty. */
    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** The plain SocksPorts: streams on different ones never share a circuit. */
    public List<InetSocketAddress> socksPorts() {
        return socksPorts;
    }

    /** The SocksPort with {@code IsolateDestAddr}: streams to different addresses never share a circuit. */
    public InetSocketAddress isolateDestAddrSocksPort() {
        return isolateDestAddrSocksPort;
    }

    /**
     * A SocksPort with {@code NoIsolateSOCKSAuth}: Tor may put streams of different credentials on one circuit, so
     * an isolation audit pointed at it must see violations. Part of the network from its start, since changing a
     * running client's SocksPorts (SETCONF) makes Tor stop reusing circuits that other tests rely on.
     */
    public InetSocketAddress noIsolateSocksAuthSocksPort() {
        return noIsolateSocksAuthSocksPort;
    }

    /** The client's ControlPort; authenticate with the cookie in {@link #cookieFile()}. */
    public InetSocketAddress controlPort() {
        return controlPort;
    }

    /** The client's {@code control_auth_cookie} (32 bytes, sent hex-encoded in AUTHENTICATE). */
    /**
     * A torrc fragment for another Tor client of this network (authorities, testing options, MapAddress names),
     * without DataDirectory, SocksPort or ControlPort: for proxy-core's {@code --launch-tor --tor-config FILE}.
     */
    public Path otherClientTorrc() {
        return otherClientTorrc;
    }

    public Path cookieFile() {
        return cookieFile;
    }

    /** Every MapAddress name of the client and its address, including {@link #PROBE_NAME}. */
    public Map<String, String> mappedNames() {
        return mappedNames;
    }

    /** The directory that holds each tor's {@code NICKNAME.torrc}, {@code NICKNAME.log} and DataDirectory {@code NICKNAME/}. */
    public Path workDir() {
        return workDir;
    }

    /** How long {@link #start} took, from the first key to the first echoed byte. */
    public Duration bootstrapTime() {
        return bootstrapTime;
    }

    private void launch() throws IOException {
        long started = System.nanoTime();
        prepareWorkDir();
        Runtime.getRuntime().addShutdownHook(shutdownHook);

        nameserver = LoopbackNameserver.start();
        probeListener = EchoServer.start();
        Path resolvConf = workDir.resolve("resolv.conf");
        Files.writeString(resolvConf, "# The exits' only nameserver: PrivateTorNetwork's NXDOMAIN responder.\n"
                + "nameserver 127.0.0.1:" + nameserver.address().getPort() + "\n", StandardCharsets.US_ASCII);
        Path defaultsTorrc = workDir.resolve("torrc-defaults");
        Files.writeString(defaultsTorrc, "# Empty on purpose: keeps any system-wide torrc-defaults out.\n");

        List<Integer> ports = FreePorts.allocate(AUTHORITY_COUNT * 2 + EXIT_COUNT + socksPortCount + 3);
        List<Relay> authorities = createAuthorities(ports.subList(0, AUTHORITY_COUNT * 2), defaultsTorrc);
        List<Relay> exits = new ArrayList<>();
        for (int i = 0; i < EXIT_COUNT; i++) {
            String nickname = "exit" + i;
            Path dataDirectory = workDir.resolve(nickname);
            int orPort = ports.get(AUTHORITY_COUNT * 2 + i);
            String fingerprint = RelayKeys.relayFingerprint(tor, defaultsTorrc, dataDirectory, nickname, orPort);
            exits.add(new Relay(nickname, dataDirectory, orPort, 0, fingerprint, null));
        }
        List<Integer> clientPorts = ports.subList(AUTHORITY_COUNT * 2 + EXIT_COUNT, ports.size());
        List<Integer> plainSocksPorts = clientPorts.subList(0, socksPortCount);
        int isolatePort = clientPorts.get(socksPortCount);
        int control = clientPorts.get(socksPortCount + 1);
        int unisolatedPort = clientPorts.get(socksPortCount + 2);

        long pid = ProcessHandle.current().pid();
        for (Relay authority : authorities) {
            launch(authority.nickname(), TorrcTemplates.authority(authority, authorities, exits, pid), defaultsTorrc);
        }
        for (Relay exit : exits) {
            launch(exit.nickname(), TorrcTemplates.exit(exit, authorities, resolvConf, pid, namespaceAddresses),
                    defaultsTorrc);
        }
        Path clientData = workDir.resolve("client");
        client = launch("client", TorrcTemplates.client(clientData, authorities, plainSocksPorts, isolatePort,
                unisolatedPort, control, mappedNames, pid), defaultsTorrc);

        socksPorts = plainSocksPorts.stream().map(port -> new InetSocketAddress("127.0.0.1", port)).toList();
        isolateDestAddrSocksPort = new InetSocketAddress("127.0.0.1", isolatePort);
        noIsolateSocksAuthSocksPort = new InetSocketAddress("127.0.0.1", unisolatedPort);
        controlPort = new InetSocketAddress("127.0.0.1", control);
        cookieFile = clientData.resolve("control_auth_cookie");
        otherClientTorrc = workDir.resolve("other-client.torrc");
        TorrcTemplates.otherClient(authorities, mappedNames).write(otherClientTorrc);

        awaitReady(started);
        bootstrapTime = Duration.ofNanos(System.nanoTime() - started);
        probeListener.close();
        progress.accept(String.format("private Tor network ready in %.1f s (%s)",
                bootstrapTime.toMillis() / 1000.0, workDir));
    }

    private void prepareWorkDir() throws IOException {
        if (Files.exists(workDir)) {
            try (Stream<Path> entries = Files.list(workDir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("workDir: " + workDir
                            + " (expected: a missing or empty directory; a used one holds another network's keys)");
                }
            }
        }
        Files.createDirectories(workDir);
    }

    private List<Relay> createAuthorities(List<Integer> ports, Path defaultsTorrc) throws IOException {
        List<Process> gencerts = new ArrayList<>();
        try {
            for (int i = 0; i < AUTHORITY_COUNT; i++) {
                Path keys = workDir.resolve("auth" + i).resolve("keys");
                Files.createDirectories(keys.getParent(), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                Files.createDirectories(keys, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                gencerts.add(RelayKeys.startAuthorityKeys(torGencert, keys, "127.0.0.1:" + ports.get(2 * i + 1)));
            }
            List<Relay> authorities = new ArrayList<>();
            for (int i = 0; i < AUTHORITY_COUNT; i++) {
                String nickname = "auth" + i;
                Path dataDirectory = workDir.resolve(nickname);
                String v3Ident = RelayKeys.awaitAuthorityV3Ident(gencerts.get(i), dataDirectory.resolve("keys"));
                int orPort = ports.get(2 * i);
                String fingerprint = RelayKeys.relayFingerprint(tor, defaultsTorrc, dataDirectory, nickname, orPort);
                authorities.add(new Relay(nickname, dataDirectory, orPort, ports.get(2 * i + 1), fingerprint, v3Ident));
            }
            return authorities;
        } finally {
            gencerts.forEach(Process::destroyForcibly); // no-op for those that finished
        }
    }

    private TorProcess launch(String nickname, Torrc torrc, Path defaultsTorrc) throws IOException {
        if (infoLogs) {
            torrc.comment("Info-level log, asked for with Builder.infoLogs(true).")
                    .option("Log", "info file " + workDir.resolve(nickname + ".info.log"));
        }
        Path torrcFile = workDir.resolve(nickname + ".torrc");
        torrc.write(torrcFile);
        synchronized (this) {
            if (closed) {
                throw new IOException("The private Tor network was closed while starting (JVM shutdown?); "
                        + "tor '" + nickname + "' was not started.");
            }
            TorProcess process = TorProcess.start(tor, nickname, torrcFile, defaultsTorrc,
                    workDir.resolve(nickname + ".log"));
            processes.add(process);
            return process;
        }
    }

    /**
     * Polls until a stream through every SocksPort echoes bytes from the probe listener, reporting
     * the client's "Bootstrapped N%" lines on the way.
     */
    private void awaitReady(long startedNanos) throws IOException {
        long deadline = startedNanos + bootstrapTimeout.toNanos();
        int reportedPercent = -1;
        String lastProbeFailure = null;
        List<InetSocketAddress> unprobed = new ArrayList<>(socksPorts);
        unprobed.add(isolateDestAddrSocksPort);
        unprobed.add(noIsolateSocksAuthSocksPort);
        while (true) {
            for (TorProcess process : processesSnapshot()) {
                if (!process.isAlive()) {
                    throw failure("tor '" + process.nickname() + "' exited with status " + process.exitValue()
                            + " while the network was starting",
                            "a port taken by another process ('Could not bind' in its log) or a torrc option "
                                    + "this tor version rejects",
                            "read " + process.logFile() + " and start the network again");
                }
            }
            int percent = bootstrappedPercent(reportedPercent);
            if (percent > reportedPercent) {
                reportedPercent = percent;
            }
            if (percent == 100) {
                while (!unprobed.isEmpty()) {
                    long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (remainingMillis <= 0) {
                        break;
                    }
                    String failure = probe(unprobed.get(0), (int) Math.min(remainingMillis, PROBE_TIMEOUT.toMillis()));
                    if (failure != null) {
                        if (!failure.equals(lastProbeFailure)) {
                            progress.accept("readiness probe failed, will retry: " + failure);
                        }
                        lastProbeFailure = failure;
                        break;
                    }
                    unprobed.remove(0);
                }
                if (unprobed.isEmpty()) {
                    return;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                String state = reportedPercent < 100
                        ? "the client got to Bootstrapped " + Math.max(reportedPercent, 0) + "%"
                        : "the client bootstrapped, but the last probe stream failed: " + lastProbeFailure;
                String cause = reportedPercent < 100
                        ? "the authorities have not published a consensus with the exits in it (see the authority logs)"
                        : "no exit would carry a stream to 127.0.0.1 (see the exit logs)";
                throw failure("The private Tor network was not ready within " + bootstrapTimeout.toSeconds()
                        + " s (" + state + ")", cause,
                        "read the logs below; on a slow machine, raise bootstrapTimeout (now "
                                + bootstrapTimeout.toSeconds() + " s)");
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos()); // poll interval, not a wait for readiness
        }
    }

    /** Reports client log lines "Bootstrapped N%" above {@code reported}; returns the highest N seen. */
    private int bootstrappedPercent(int reported) {
        int highest = reported;
        for (String line : client.logLines()) {
            int at = line.indexOf("Bootstrapped ");
            if (at < 0) {
                continue;
            }
            Matcher matcher = BOOTSTRAPPED.matcher(line.substring(at));
            if (matcher.matches()) {
                int percent = Integer.parseInt(matcher.group(1));
                if (percent > highest) {
                    highest = percent;
                    progress.accept("tor client: " + line.substring(at));
                }
            }
        }
        return highest;
    }

    /** One SOCKS5 CONNECT to the probe listener by {@link #PROBE_NAME}; returns null or why it failed. */
    private String probe(InetSocketAddress socksPort, int timeoutMillis) {
        byte[] sent = new byte[32];
        ThreadLocalRandom.current().nextBytes(sent);
        try (Socket socket = Socks5Connect.connect(socksPort, PROBE_NAME, probeListener.port(), timeoutMillis)) {
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(sent);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] received = in.readNBytes(sent.length);
            if (!Arrays.equals(sent, received)) {
                return "SocksPort " + socksPort + " connected, but " + received.length + " of " + sent.length
                        + " bytes came back unchanged";
            }
            return null;
        } catch (IOException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }

    private synchronized List<TorProcess> processesSnapshot() {
        return new ArrayList<>(processes);
    }

    /** An exception that says what happened, what was done, the likely cause and one fix, then the logs. */
    private IOException failure(String what, String likelyCause, String fix) {
        StringBuilder message = new StringBuilder()
                .append(what).append("; every tor of the network was stopped. ")
                .append("Likely cause: ").append(likelyCause).append(". ")
                .append("Fix: ").append(fix).append(". Work directory: ").append(workDir);
        for (TorProcess process : processesSnapshot()) {
            message.append(System.lineSeparator()).append("--- ").append(process.logFile())
                    .append(", last ").append(LOG_TAIL_LINES).append(" lines ---");
            for (String line : process.logTail(LOG_TAIL_LINES)) {
                message.append(System.lineSeparator()).append("  ").append(line);
            }
        }
        return new IOException(message.toString());
    }

    /**
     * Stops every tor (SIGTERM, then SIGKILL after {@value #STOP_GRACE_MILLIS} ms) and the
     * harness's listeners. Safe to call more than once, and from the shutdown hook.
     */
    @Override
    public void close() {
        List<TorProcess> running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = new ArrayList<>(processes);
        }
        running.forEach(TorProcess::requestStop);
        for (TorProcess process : running) {
            process.awaitStop(STOP_GRACE_MILLIS);
        }
        if (probeListener != null) {
            try {
                probeListener.close();
            } catch (IOException ignored) {
                // Closing a listener of ours on the way out; nothing is waiting on it.
            }
        }
        if (nameserver != null) {
            nameserver.close();
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
                // The JVM is exiting (the hook runs anyway and finds us closed), or start failed before adding it.
            }
        }
    }

    /** Options for {@link PrivateTorNetwork}; {@link #start()} builds, starts and waits. */
    public static final class Builder {
        private final Path workDir;
        private final Map<String, String> mapAddresses = new LinkedHashMap<>();
        private final Map<String, String> namespaceAddresses = new LinkedHashMap<>();
        private int socksPortCount = DEFAULT_SOCKS_PORT_COUNT;
        private Duration bootstrapTimeout = DEFAULT_BOOTSTRAP_TIMEOUT;
        private Consumer<String> progress = line -> System.err.println("[streamiso-testnet] " + line);
        private Path tor;
        private Path torGencert;
        private boolean infoLogs;

        private Builder(Path workDir) {
            this.workDir = Objects.requireNonNull(workDir, "workDir");
        }

        /** Adds {@code MapAddress name address}; the address must be in 127.0.0.0/8. */
        public Builder mapAddress(String name, String address) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            if (name.length() > 255 || !HOSTNAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name: \"" + name + "\" (expected: a hostname of letters, digits, '-' and '.')");
            }
            if (!isLoopbackIpv4(address)) {
                throw new IllegalArgumentException("address of " + name + ": \"" + address
                        + "\" (expected: an IPv4 address in 127.0.0.0/8; the network never leaves loopback)");
            }
            mapAddresses.put(name, address);
            return this;
        }

        /**
         * Adds {@code MapAddress name address} for an IPv4 address outside 127.0.0.0/8 that exists only inside the
         * loopback-only network namespace this JVM runs in (an address on {@code lo}, for a destination that must not
         * look like loopback: torsocks refuses loopback), and lets the exits connect to it. {@link #start()} refuses
         * unless every network interface of this JVM is the loopback interface, so that the network still never
         * reaches past this machine.
         */
        public Builder namespaceAddress(String name, String address) {
            Objects.requireNonNull(name, "name");
            if (name.length() > 255 || !HOSTNAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name: \"" + name + "\" (expected: a hostname of letters, digits, '-' and '.')");
            }
            if (ipv4Literal(address) == null || isLoopbackIpv4(address)) {
                throw new IllegalArgumentException("address of " + name + ": \"" + address
                        + "\" (expected: an IPv4 address outside 127.0.0.0/8, on lo in a loopback-only namespace)");
            }
            namespaceAddresses.put(name, address);
            return this;
        }

        /** The bytes of a dotted-quad IPv4 literal in its plain form (no leading zeros), else null; never resolves. */
        private static byte[] ipv4Literal(String address) {
            byte[] b = Socks5Address.parseLiteral(address);
            return b != null && b.length == 4 && Socks5Address.ofLiteral(b, 0).host().equals(address) ? b : null;
        }

        private static boolean isLoopbackIpv4(String address) {
            byte[] b = ipv4Literal(address);
            return b != null && b[0] == 127;
        }

        /** Adds every entry as {@link #mapAddress(String, String)}. */
        public Builder mapAddresses(Map<String, String> entries) {
            entries.forEach(this::mapAddress);
            return this;
        }

        /** How many plain SocksPorts the client has (default {@value #DEFAULT_SOCKS_PORT_COUNT}). */
        public Builder socksPortCount(int count) {
            if (count < 1 || count > 32) {
                throw new IllegalArgumentException("socksPortCount: " + count + " (expected: 1-32)");
            }
            this.socksPortCount = count;
            return this;
        }

        /** How long {@link #start()} waits for the network to carry a stream (default 120 s). */
        public Builder bootstrapTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("bootstrapTimeout: " + timeout + " (expected: positive)");
            }
            this.bootstrapTimeout = timeout;
            return this;
        }

        /** Receives progress lines ("tor client: Bootstrapped 50% ..."); default: System.err. */
        public Builder progress(Consumer<String> listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Also writes each tor's info-level log to {@code NICKNAME.info.log} (default: notice level only). */
        public Builder infoLogs(boolean enabled) {
            this.infoLogs = enabled;
            return this;
        }

        /** The tor binary to run (default: {@code tor} on PATH). */
        public Builder tor(Path binary) {
            this.tor = Objects.requireNonNull(binary, "binary");
            return this;
        }

        /** The tor-gencert binary to run (default: {@code tor-gencert} next to tor, else on PATH). */
        public Builder torGencert(Path binary) {
            this.torGencert = Objects.requireNonNull(binary, "binary");
            return this;
        }

        /**
         * Writes the torrcs and keys, starts every tor and waits until the network carries a stream.
         *
         * @throws IOException when tor cannot be found or started, or the network is not ready in
         *                     time; every tor started so far has been stopped
         */
        /** Fails unless every network interface this JVM sees is the loopback interface (a namespace of its own). */
        private void requireLoopbackOnly() throws IOException {
            for (java.net.NetworkInterface ni : java.util.Collections.list(
                    java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isLoopback()) {
                    throw new IOException("namespaceAddress " + namespaceAddresses + ": this JVM sees network interface "
                            + ni.getName() + ", so it does not run in a loopback-only network namespace; no network was "
                            + "started, since its exits would connect to those addresses on the real network. Start it "
                            + "inside unshare -n.");
                }
            }
        }

        public PrivateTorNetwork start() throws IOException {
            if (tor == null) {
                tor = locateTor().orElseThrow(() -> new IOException("No 'tor' on PATH (" + System.getenv("PATH")
                        + "); no network was started. Install it (Debian: apt-get install tor) or pass its path "
                        + "with PrivateTorNetwork.builder(dir).tor(path)."));
            }
            if (torGencert == null) {
                Path sibling = tor.resolveSibling("tor-gencert");
                torGencert = Files.isExecutable(sibling) ? sibling : Executables.onPath("tor-gencert").orElseThrow(
                        () -> new IOException("No 'tor-gencert' next to " + tor + " or on PATH; no network was "
                                + "started. It ships with tor (Debian: apt-get install tor)."));
            }
            if (!namespaceAddresses.isEmpty()) {
                requireLoopbackOnly();
            }
            PrivateTorNetwork network = new PrivateTorNetwork(this);
            try {
                network.launch();
                return network;
            } catch (IOException | RuntimeException | Error e) {
                network.close();
                throw e;
            }
        }
    }

    /** The {@code tor} binary on PATH, if any; callers use it to skip tests where tor is missing. */
    public static Optional<Path> locateTor() {
        return Executables.onPath("tor");
    }
}
