package org.streamiso.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.TorNetworks;

/**
 * The demo end to end, as the README runs it ({@code java -jar examples/demo/target/demo.jar} from the project
 * root): its table, its closing line, its exit code, and that no process of its work directory is left, after a
 * normal end, after SIGTERM (Ctrl-C's path: shutdown hooks) half-way, and when its checks fail.
 */
class DemoIT {
    private static final long RUN_TIMEOUT_SECONDS = 150;
    /** A table row: app, identity, SocksPort (two words), key N (kind), streams, circuit, exit relay. */
    private static final Pattern ROW = Pattern.compile("demo: (fetch|chat|two-identities) +(\\S+(?:, renewed)?) +"
            + "(?:proxy-core|Tor) 127\\.0\\.0\\.1:\\d+ +key (\\d+) \\((\\S+)\\) +(\\d+) +(\\d+)  (exit[01])");

    private static Path root;

    @BeforeAll
    static void requireTorAndJars() {
        if (PrivateTorNetwork.locateTor().isEmpty()) {
            String message = "No 'tor' on PATH, so the demo cannot run. Install tor (Debian: apt-get install tor)";
            if ("1".equals(System.getenv(TorNetworks.REQUIRE_TOR_ENV))) {
                fail(message + "; " + TorNetworks.REQUIRE_TOR_ENV + "=1 makes this a failure.");
            }
            Assumptions.abort(message + ", or set " + TorNetworks.REQUIRE_TOR_ENV + "=1 to fail instead of skipping.");
        }
        root = Path.of("../..").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("examples/demo/target/demo.jar")), "demo.jar under " + root);
    }

    @Test
    void printsEachIdentityOnItsOwnCircuitAndTheRenewalThenLeavesNoProcess() throws Exception {
        Path workDir = newWorkDir();
        Path output = workDir.resolveSibling(workDir.getFileName() + ".out");
        Process demo = start(workDir, output);
        List<String> running = awaitLineThenProcesses(demo, output, "demo: the live isolation page: http://127.0.0.1:",
                workDir);
        // 6 tors and proxy-core carry the work directory on their command lines: the check below can see them.
        assertTrue(running.size() >= 7, "processes of " + workDir + " while the demo runs: " + running);
        int exit = awaitExit(demo);
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        assertEquals(List.of(), processesOf(workDir), "left behind by the demo");

        Map<String, String> keyOf = new HashMap<>();
        Map<String, String> circuitOwner = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                String identity = m.group(1) + " " + m.group(2);
                String key = m.group(3);
                assertEquals(key, keyOf.getOrDefault(identity, key), identity + " has one key: " + line);
                keyOf.put(identity, key);
                String owner = circuitOwner.putIfAbsent(m.group(6), key);
                assertTrue(owner == null || owner.equals(key), "circuit " + m.group(6) + " of two keys:\n" + text);
            }
        }
        assertEquals(List.of("chat carol", "fetch api.streamiso.test", "fetch web.streamiso.test",
                "two-identities alice", "two-identities alice, renewed", "two-identities bob"),
                keyOf.keySet().stream().sorted().toList(), text);
        assertEquals(6, keyOf.values().stream().distinct().count(), "six identities, six keys:\n" + text);
        assertTrue(text.contains("\ndemo: OK. Checked from Tor's STREAM events and the applications' output: 6 keys on"),
                text);
        assertTrue(text.contains("proxy-core stopped:"), "proxy-core was stopped, not killed:\n" + text);
    }

    @Test
    void sigtermHalfWayStopsEveryProcessItStarted() throws Exception {
        Path workDir = newWorkDir();
        Path output = workDir.resolveSibling(workDir.getFileName() + ".out");
        Process demo = start(workDir, output);
        List<String> running = awaitLineThenProcesses(demo, output, "two-identities | two-identities: alice poll 1:",
                workDir);
        assertTrue(running.size() >= 8, "tors, proxy-core and the applications while the demo runs: " + running);
        demo.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM runs its shutdown hooks
        int exit = awaitExit(demo);
        assertEquals(143, exit, Files.readString(output, StandardCharsets.UTF_8));
        assertEquals(List.of(), processesOf(workDir), "left behind after SIGTERM");
    }

    @Test
    void exitsOneAndSaysWhichCheckFailedWhenTwoKeysShareACircuit() throws Exception {
        Path workDir = newWorkDir();
        Path output = workDir.resolveSibling(workDir.getFileName() + ".out");
        Process demo = start(workDir, output, "--unisolated");
        int exit = awaitExit(demo);
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertEquals(1, exit, text);
        assertTrue(Pattern.compile("\ndemo: FAILED: .*circuit \\d+ carried streams of [23] keys").matcher(text).find(),
                text);
        assertTrue(!text.contains("demo: OK."), text);
        assertEquals(List.of(), processesOf(workDir), "left behind by the demo");
    }

    private static Path newWorkDir() throws IOException {
        Path parent = Path.of("target").toAbsolutePath();
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, "demo-run-").resolve("work");
    }

    private static Process start(Path workDir, Path output, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", "examples/demo/target/demo.jar", "--work-dir", workDir.toString()));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    }

    /** Waits (polling the output file, the demo being another process) for {@code line}; then its processes. */
    private static List<String> awaitLineThenProcesses(Process demo, Path output, String line, Path workDir)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_TIMEOUT_SECONDS);
        while (!Files.readString(output, StandardCharsets.UTF_8).contains(line)) {
            if (!demo.isAlive() || System.nanoTime() - deadline > 0) {
                demo.destroyForcibly().waitFor();
                fail("the demo never printed \"" + line + "\":\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            demo.waitFor(200, TimeUnit.MILLISECONDS);
        }
        return processesOf(workDir);
    }

    private static int awaitExit(Process demo) throws InterruptedException {
        if (!demo.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            demo.destroyForcibly().waitFor();
            fail("the demo still ran after " + RUN_TIMEOUT_SECONDS + " s");
        }
        return demo.exitValue();
    }

    /** Every process whose command line names {@code workDir} ({@code pgrep -af}), this test's own excepted. */
    private static List<String> processesOf(Path workDir) throws IOException, InterruptedException {
        Process pgrep = new ProcessBuilder("pgrep", "-af", workDir.toString()).redirectErrorStream(true).start();
        String out = new String(pgrep.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = pgrep.waitFor();
        assertTrue(exit == 0 || exit == 1, "pgrep exited " + exit + ": " + out);
        List<String> lines = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (!l.isBlank() && !l.startsWith(ProcessHandle.current().pid() + " ")) {
                lines.add(l);
            }
        }
        return lines;
    }
}
