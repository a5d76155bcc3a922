package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.streamiso.agent.it.SyscallTrace.Allowed;
import org.streamiso.agent.it.SyscallTrace.Endpoint;
import org.streamiso.testnet.TorNetworks;

/**
 * The private Tor network inside a loopback-only network namespace, the real servers of a test beside it, and each
 * client JVM under the agent and strace: the fixture of the real-client tests.
 *
 * <p>What one {@link #assertOnlyThroughTor run} proves: the client, an unmodified application of a real library,
 * reached its server by a name that exists only inside Tor (MapAddress, {@link TorNetworks}), so no lookup
 * outside Tor could have found it; its own output says it succeeded; Tor's ControlPort saw a SUCCEEDED stream to
 * each of its servers during the run; and {@code strace -f} of the whole JVM shows every TCP connect going to the
 * SocksPort (or a local destination the client lists), no datagram leaving (except to a UDP destination the client
 * lists, such as an in-JVM DNS responder's), no multicast join, and no resolver file opened
 * ({@code /etc/resolv.conf}, {@code /etc/hosts}, {@code /etc/gai.conf}, {@code /etc/host.conf}, unless listed).
 * The namespace has only loopback ({@code unshare -n}), so even a leak the trace missed would reach nothing.
 *
 * <p>Started once per test class: register it as a {@code static} field with {@code @RegisterExtension}, naming
 * the servers; JUnit starts the namespace, the harness JVM that runs Tor there ({@link TorNamespaceHarness}) and
 * every server (in parallel with Tor's bootstrap) before the first test, and stops them after the last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TorLeakNamespace NAMESPACE = new TorLeakNamespace(NamespaceServer.web(), NamespaceServer.postgres());
 *
 * @ParameterizedTest(name = "{0}")
 * @FieldSource("CLIENTS")
 * void reachesItsServerOnlyThroughTor(TracedClient client) throws Exception {
 *     NAMESPACE.assertOnlyThroughTor(client);
 * }
 * }</pre>
 *
 * <p>Needs root, {@code unshare}, {@code nsenter}, {@code setpriv}, {@code ip}, {@code strace} and {@code tor}; skipped with a
 * message where they are missing, and so are the clients of a server whose package is missing, unless
 * {@code STREAMISO_REQUIRE_LEAK_TEST=1} or {@code STREAMISO_REQUIRE_TOR=1} (CI) make that a failure.
 *
 * <p><b>Important:</b> every command that a test runs goes through {@code nsenter --net=/proc/HARNESS/ns/net}, and
 * the fixture checks before each that this namespace is not the test JVM's own: nothing a client does can reach
 * the machine's network, whatever the agent does.
 */
final class TorLeakNamespace implements BeforeAllCallback, AfterAllCallback {
    /** strace's options: follow threads and children, name each socket's protocol, stop only at traced calls. */
    static final List<String> STRACE = List.of("strace", "-f", "-qq", "-yy", "--seccomp-bpf", "-e",
            "trace=" + LeakTraceTest.TRACED);
    private static final String CLASS_PATH = ForkedJvm.CLASSES + java.io.File.pathSeparator
            + System.getProperty("streamiso.clients.classpath", "");
    private static final Duration TOR_START = Duration.ofSeconds(240);
    private static final Duration SERVER_START = Duration.ofSeconds(60);
    private static final Duration CLIENT_RUN = Duration.ofSeconds(120);
    private static final Duration STREAM_EVENT_WAIT = Duration.ofSeconds(10);
    private static final String NOBODY = "65534";

    /** JVM options of the harness, which starts the private network. */
    private final List<String> harnessOptions = new ArrayList<>();
    private final Map<String, NamespaceServer> servers = new LinkedHashMap<>();
    private final Map<String, Process> running = new LinkedHashMap<>();
    private final List<Path> serverDirs = new ArrayList<>();
    private final List<String> setUp = new ArrayList<>();
    private Path dir;
    private Process harness;
    private String namespace;
    private int socksPort;
    private long baselineUnixConnects;

    TorLeakNamespace(NamespaceServer... servers) {
        for (NamespaceServer server : servers) {
            this.servers.put(server.name(), server);
        }
    }

    /**
     * Adds a shell command that runs as root in the namespace right after loopback is up, before Tor and the servers
     * start: for example an address outside 127.0.0.0/8 for a destination that must not look like loopback
     * ({@code ip addr add 10.53.0.1/32 dev lo}; a dummy interface needs the kernel's dummy module, which containers
     * often lack). Call it where the fixture is built, before JUnit starts it.
     */
    TorLeakNamespace setUp(String shellCommand) {
        setUp.add(shellCommand);
        return this;
    }

    /**
     * Puts {@code address} (IPv4, outside 127.0.0.0/8) on the namespace's {@code lo} and has the private network map
     * {@link TorNetworks#OUTSIDE_NAME} to it and exit to it: a destination inside the namespace that does not look
     * like loopback, for programs under torsocks, which refuses loopback. The network checks that it runs in a
     * loopback-only namespace before it lets its exits reach the address.
     */
    TorLeakNamespace namespaceAddress(String address) {
        setUp.add("ip addr add " + address + "/32 dev lo");
        harnessOptions.add("-D" + TorNetworks.NAMESPACE_ADDRESS_PROPERTY + "=" + address);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        LeakTraceTest.requireTools("nsenter", "setpriv");
        TorNetworks.requireTor();
        dir = Files.createDirectories(Path.of("target", "tor-leak-namespace")).toAbsolutePath();
        dir = Files.createTempDirectory(dir, context.getRequiredTestClass().getSimpleName() + "-");
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    /**
     * The folder of this run: {@code NAME.trace}, {@code .out}, {@code .err} of each client, {@code runs.txt} (one
     * line a client run: exit code, time, violations), the server logs, tor's work directory.
     */
    Path dir() {
        return dir;
    }

    /** The SocksPort of the private network that the clients are given. */
    int socksPort() {
        return socksPort;
    }

    private void start() throws Exception {
        // The namespace lives as long as the harness JVM, its first process; the marker says loopback is up.
        Path ready = dir.resolve("namespace.ready");
        StringBuilder script = new StringBuilder("ip link set lo up");
        for (String line : setUp) {
            script.append(" && { ").append(line).append("; }");
        }
        script.append(" && touch \"$0\" && exec \"$@\"");
        List<String> command = new ArrayList<>(List.of("unshare", "-n", "--", "sh", "-c", script.toString(),
                ready.toString(), ForkedJvm.java(),
                "-D" + TorNetworks.DIR_PROPERTY + "=" + dir.resolve("tor")));
        command.addAll(harnessOptions);
        command.addAll(List.of("-cp", CLASS_PATH, TorNamespaceHarness.class.getName(),
                dir.resolve("tor.ports").toString()));
        harness = new ProcessBuilder(command).redirectOutput(dir.resolve("harness.out").toFile())
                .redirectError(dir.resolve("harness.err").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(ready)) {
            if (!harness.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("The loopback-only namespace did not come up (" + command
                        + "); nothing was run in it. unshare -n needs root (CAP_SYS_ADMIN): run the tests as root. "
                        + harnessOutput());
            }
            Thread.sleep(20); // a poll for a file that another process writes
        }
        namespace = Files.readSymbolicLink(Path.of("/proc", Long.toString(harness.pid()), "ns", "net")).toString();
        requireOwnNamespace();

        baselineUnixConnects = SyscallTrace.unixConnects(baseline());
        for (NamespaceServer server : servers.values()) {
            if (server.missing().isEmpty()) {
                startServer(server);
            }
        }
        socksPort = awaitTor();
    }

    /** Runs a JVM without the agent that makes no lookup: the AF_UNIX connects every JVM makes (nscd). */
    private String baseline() throws Exception {
        Path trace = dir.resolve("baseline.trace");
        List<String> command = new ArrayList<>(STRACE);
        command.addAll(List.of("-o", trace.toString(), ForkedJvm.java(), "-cp", ForkedJvm.CLASSES,
                AgentArgumentsForkedTest.Hello.class.getName()));
        ForkedJvm.Result r = inNamespace(command, 60);
        assertEquals(0, r.exitCode(), "the baseline JVM (no agent) failed: " + r);
        return Files.readString(trace);
    }

    private void startServer(NamespaceServer server) throws Exception {
        Path serverDir = Files.createTempDirectory("streamiso-" + server.name() + "-");
        serverDirs.add(serverDir);
        for (Map.Entry<String, String> file : server.files().entrySet()) {
            Files.writeString(serverDir.resolve(file.getKey()), file.getValue());
        }
        if (server.asNobody()) {
            UserPrincipalLookupService users = serverDir.getFileSystem().getUserPrincipalLookupService();
            try (Stream<Path> paths = Files.walk(serverDir)) {
                for (Path p : paths.toList()) {
                    Files.setOwner(p, users.lookupPrincipalByName("nobody"));
                }
            }
        }
        List<List<String>> commands = server.commands(serverDir, ForkedJvm.java(), CLASS_PATH);
        Path log = dir.resolve(server.name() + ".log");
        for (List<String> setup : commands.subList(0, commands.size() - 1)) {
            requireOwnNamespace();
            List<String> command = new ArrayList<>(nsenter(serverDir));
            command.addAll(asUser(server, setup));
            ForkedJvm.Result r = ForkedJvm.exec(command, (int) SERVER_START.toSeconds());
            Files.writeString(log, r.stdout() + r.stderr(), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            if (r.exitCode() != 0) {
                throw new IllegalStateException("Setting up server " + server.name() + " failed: " + setup
                        + " exited with " + r.exitCode() + "; the server was not started. Is its package complete, and "
                        + "may " + (server.asNobody() ? "nobody" : "root") + " write to " + serverDir + "? Its output:\n"
                        + r);
            }
        }
        requireOwnNamespace();
        List<String> command = new ArrayList<>(nsenter(serverDir));
        command.addAll(asUser(server, commands.get(commands.size() - 1)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        running.put(server.name(), process);
    }

    /**
     * The command as the server's user, ended by SIGTERM when the test JVM ends ({@code --pdeathsig}), so that no
     * server outlives the run and keeps the namespace alive.
     */
    private static List<String> asUser(NamespaceServer server, List<String> command) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--pdeathsig", "TERM"));
        if (server.asNobody()) {
            all.addAll(List.of("--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        all.add("--");
        all.addAll(command);
        return all;
    }

    /** Waits until every server accepts on its port, then until Tor carries streams; returns the SocksPort. */
    private int awaitTor() throws Exception {
        for (Map.Entry<String, Process> entry : running.entrySet()) {
            awaitPort(servers.get(entry.getKey()), entry.getValue());
        }
        Path ports = dir.resolve("tor.ports");
        long deadline = System.nanoTime() + TOR_START.toNanos();
        while (!Files.exists(ports)) {
            if (!harness.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("The private Tor network did not start in the namespace "
                        + (harness.isAlive() ? "within " + TOR_START.toSeconds() + " s" : "(the harness exited with "
                        + harness.exitValue() + ")") + "; no client was run. The harness's output below names the tor "
                        + "that failed; read the logs under " + dir.resolve("tor") + ". " + harnessOutput());
            }
            Thread.sleep(100); // a poll for a file that the harness writes when Tor is ready
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(ports)) {
            p.load(in);
        }
        return Integer.parseInt(p.getProperty("socksPort"));
    }

    /** One bash inside the namespace that returns once the port accepts (bash's /dev/tcp), watched from here. */
    private void awaitPort(NamespaceServer server, Process process) throws Exception {
        requireOwnNamespace();
        List<String> command = new ArrayList<>(nsenter());
        command.addAll(List.of("bash", "-c", "until (exec 3<>/dev/tcp/127.0.0.1/" + server.port()
                + ") 2>/dev/null; do sleep 0.05; done"));
        Process probe = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + SERVER_START.toNanos();
        try {
            while (!probe.waitFor(50, TimeUnit.MILLISECONDS)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    String log = Files.readString(dir.resolve(server.name() + ".log"));
                    throw new IllegalStateException("Server " + server.name() + " did not accept on 127.0.0.1:"
                            + server.port() + (process.isAlive() ? " within " + SERVER_START.toSeconds() + " s"
                            : " (it exited with " + process.exitValue() + ")") + "; its clients cannot run. Its log:\n"
                            + log);
                }
            }
        } finally {
            probe.destroyForcibly();
        }
    }

    /**
     * Runs the client under the agent and strace and asserts what the class comment says: exit code 0, its
     * expected output, a SUCCEEDED stream in Tor to each of its servers, and a clean trace.
     */
    TracedRun assertOnlyThroughTor(TracedClient client) throws Exception {
        TracedRun run = run(client);
        assertEquals(0, run.exitCode(), client.name() + " failed:\n" + run);
        for (String text : client.expected()) {
            assertTrue(run.stdout().contains(text), client.name() + " did not print \"" + text + "\":\n" + run);
        }
        List<String> bad = run.violations();
        assertTrue(bad.isEmpty(), client.name() + ": system calls that reached past the SocksPort "
                + Endpoint.loopback(socksPort) + " (allowed besides it: " + client.allowedAfter(run.stderr()) + "):\n"
                + String.join("\n", bad) + "\n" + run);
        assertTrue(SyscallTrace.connectsTo(run.trace(), "127.0.0.1", socksPort) >= 1, client.name()
                + ": the trace shows no connect to the SocksPort, so it did not see the client's traffic:\n" + run);
        for (String name : client.servers()) {
            int port = servers.get(name).port();
            assertTrue(awaitSucceededStream(run.streamsBefore(), port), client.name() + ": Tor's ControlPort saw no "
                    + "SUCCEEDED stream to port " + port + " (" + name + ") during the run; streams seen:\n"
                    + streamLines().subList(run.streamsBefore(), streamLines().size()) + "\n" + run);
        }
        return run;
    }

    /**
     * Runs the client inside the namespace under strace and returns what it printed and the trace's violations;
     * asserts nothing about the client (for a test that checks its own output), but skips or fails, as the class
     * comment says, when one of its servers cannot run here.
     */
    TracedRun run(TracedClient client) throws Exception {
        for (String name : client.servers()) {
            NamespaceServer server = servers.get(name);
            if (server == null) {
                throw new IllegalArgumentException("servers: " + client.servers() + " of client " + client.name()
                        + " (expected: servers of this fixture, " + servers.keySet() + ")");
            }
            if (server.missing().isPresent()) {
                String message = client.name() + " needs server " + name + ", which needs " + server.missing().get();
                if ("1".equals(System.getenv("STREAMISO_REQUIRE_LEAK_TEST"))) {
                    fail(message + "; STREAMISO_REQUIRE_LEAK_TEST=1 makes this a failure.");
                }
                assumeTrue(false, message);
            }
            Process process = running.get(name);
            if (!process.isAlive()) {
                fail("Server " + name + " exited with " + process.exitValue() + " before " + client.name()
                        + " ran; see " + dir.resolve(name + ".log"));
            }
        }
        Path trace = dir.resolve(client.name() + ".trace");
        List<String> command = new ArrayList<>(STRACE);
        command.addAll(List.of("-o", trace.toString(), ForkedJvm.java()));
        if (client.withAgent()) {
            command.add("-javaagent:" + ForkedJvm.AGENT_JAR.toAbsolutePath() + "=port=" + socksPort
                    + (client.agentArguments().isEmpty() ? "" : "," + client.agentArguments()));
        }
        command.addAll(client.jvmOptions());
        command.addAll(List.of("-cp", CLASS_PATH, client.main().getName()));
        command.addAll(client.args());
        if (client.resolvConf() != null) {
            Path conf = dir.resolve(client.name() + ".resolv.conf");
            Files.writeString(conf, client.resolvConf());
            List<String> mounted = new ArrayList<>(List.of("unshare", "-m", "--", "sh", "-c",
                    "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", conf.toString()));
            mounted.addAll(command);
            command = mounted;
        }
        int streamsBefore = streamLines().size();
        long started = System.nanoTime();
        ForkedJvm.Result r = inNamespace(command, client.environment(), (int) CLIENT_RUN.toSeconds());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        Files.writeString(dir.resolve(client.name() + ".out"), r.stdout());
        Files.writeString(dir.resolve(client.name() + ".err"), r.stderr());
        String traced = Files.exists(trace) ? Files.readString(trace) : "";
        Allowed own = client.allowedAfter(r.stderr());
        List<Endpoint> connects = new ArrayList<>(own.connects());
        connects.add(0, Endpoint.loopback(socksPort));
        Allowed allowed = new Allowed(connects, own.datagrams(), own.files());
        TracedRun run = new TracedRun(client.name(), r.exitCode(), r.stdout(), r.stderr(), traced,
                SyscallTrace.violations(traced, allowed, baselineUnixConnects * client.processes()), streamsBefore, took);
        Files.writeString(dir.resolve("runs.txt"), run.name() + " exit=" + run.exitCode() + " ms=" + took.toMillis()
                + " violations=" + run.violations().size() + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return run;
    }

    /** What one client run printed and what its trace showed. */
    record TracedRun(String name, int exitCode, String stdout, String stderr, String trace, List<String> violations,
            int streamsBefore, Duration took) {
        @Override
        public String toString() {
            return name + ": exit " + exitCode + " after " + took.toMillis() + " ms\n--- stdout\n" + stdout
                    + "--- stderr\n" + tail(stderr, 60) + "--- " + violations.size() + " violations";
        }

        private static String tail(String text, int lines) {
            List<String> all = text.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        }
    }

    private boolean awaitSucceededStream(int from, int port) throws Exception {
        long deadline = System.nanoTime() + STREAM_EVENT_WAIT.toNanos();
        while (true) {
            List<String> lines = streamLines();
            for (String line : lines.subList(Math.min(from, lines.size()), lines.size())) {
                String[] f = line.split(" ");
                if (f.length >= 4 && f[1].equals("SUCCEEDED") && f[3].endsWith(":" + port)) {
                    return true;
                }
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50); // a poll of the file the harness appends Tor's STREAM events to
        }
    }

    /** The STREAM events so far, whole lines only. */
    private List<String> streamLines() throws IOException {
        Path file = dir.resolve("tor.ports.streams");
        if (!Files.exists(file)) {
            return List.of();
        }
        String text = Files.readString(file);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : text.substring(0, end).lines().toList();
    }

    private ForkedJvm.Result inNamespace(List<String> command, int timeoutSeconds) throws Exception {
        return inNamespace(command, Map.of(), timeoutSeconds);
    }

    private ForkedJvm.Result inNamespace(List<String> command, Map<String, String> environment, int timeoutSeconds)
            throws Exception {
        requireOwnNamespace();
        List<String> all = new ArrayList<>(nsenter());
        all.addAll(command);
        return ForkedJvm.exec(all, environment, timeoutSeconds);
    }

    private List<String> nsenter() {
        return List.of("nsenter", "--net=/proc/" + harness.pid() + "/ns/net", "--");
    }

    /** Into the namespace, in {@code workingDir}: a server's own folder, which its user may enter. */
    private List<String> nsenter(Path workingDir) {
        return List.of("nsenter", "--net=/proc/" + harness.pid() + "/ns/net", "--wd=" + workingDir, "--");
    }

    /** Refuses to run anything unless the harness still holds the namespace, and it is not the test JVM's own. */
    private void requireOwnNamespace() throws IOException {
        String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        Optional<String> current = harness.isAlive()
                ? Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(harness.pid()), "ns", "net"))
                        .toString())
                : Optional.empty();
        if (current.isEmpty() || !current.get().equals(namespace) || namespace.equals(own)) {
            throw new IllegalStateException("The loopback-only namespace is gone (harness "
                    + (harness.isAlive() ? "in " + current.orElse("?") : "exited") + ", expected " + namespace
                    + ", the test JVM's is " + own + "); nothing more is run. " + harnessOutput());
        }
    }

    private String harnessOutput() throws IOException {
        return "Harness output:\n" + read("harness.out") + read("harness.err");
    }

    private String read(String name) throws IOException {
        Path f = dir.resolve(name);
        return Files.exists(f) ? Files.readString(f) : "";
    }

    private void close() throws Exception {
        for (Process p : running.values()) {
            p.destroy();
        }
        for (Process p : running.values()) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        if (harness != null) {
            harness.getOutputStream().close(); // the harness stops Tor when its standard input ends
            if (!harness.waitFor(20, TimeUnit.SECONDS)) {
                harness.destroyForcibly().waitFor();
            }
        }
        for (Path serverDir : serverDirs) {
            try (Stream<Path> paths = Files.walk(serverDir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
