package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.testing.RecordingSocksServer;

/**
 * Child processes under the agent (issue 10, item 2), inside a loopback-only network namespace under strace: a
 * child JVM and a child {@code curl} (under torsocks) reach a name only the SOCKS server knows through it, each
 * with isolation credentials of its own; with torsocks missing from the JVM's PATH, and under {@code exec=refuse},
 * the child is refused and never runs. Every connect of every process goes to the SocksPort, no datagram is sent,
 * no resolver file is opened.
 *
 * <p>Needs root, unshare, ip, strace, torsocks and curl; skipped with a message where they are missing, unless
 * {@code STREAMISO_REQUIRE_LEAK_TEST=1} (CI) makes that a failure.
 */
class ChildProcessLeakTest {
    /** Names the SOCKS server answers with a non-loopback address (torsocks refuses loopback destinations). */
    static final String NAME = "outside-child" + AgentRoutingTest.SUFFIX;
    static final String TRACED = LeakTraceTest.TRACED + ",execve";

    @Test
    void childJvmAndCurlGoThroughTheSocksPortAndAMissingTorsocksStartsNothing(@TempDir Path dir) throws Exception {
        LeakTraceTest.requireTools();
        requireTools();
        String java = ForkedJvm.java();
        String agent = ForkedJvm.AGENT_JAR.toAbsolutePath().toString();
        String app = ChildClients.class.getName();
        String cp = ForkedJvm.CLASSES;
        String url = "http://" + NAME + "/";
        String script = LeakTraceTest.preamble(dir) + String.join("\n",
                "trace() { run=$1; args=$2; shift 2; strace -f -qq -e trace=" + TRACED + " -o " + dir + "/$run.trace "
                        + "${JVMENV:+env $JVMENV} " + java + " -javaagent:" + agent + "=port=$socks,$args -cp " + cp + " " + app + " \"$@\" > " + dir
                        + "/$run.out 2> " + dir + "/$run.err; }",
                "trace parent log=info fetch " + url,
                "trace child-jvm log=info start " + java + " -cp " + cp + " " + app + " fetch " + url,
                "trace child-curl log=info start curl -sS -o /dev/null -w 'HTTP %{http_code}\\n' " + url,
                // No torsocks on the JVM's PATH: curl, named by its path, must not start, neither to a name nor
                // straight to the canary.
                "JVMENV=PATH=" + dir + "/empty-path trace missing log=info start /usr/bin/curl -sS http://127.0.0.1:$canary/",
                "trace refuse exec=refuse start /usr/bin/curl -sS http://127.0.0.1:$canary/",
                "sleep 0.3",
                "cp " + dir + "/ports.canary " + dir + "/canary.count",
                "cp " + dir + "/ports.auth " + dir + "/auth.txt",
                "");
        Files.createDirectories(dir.resolve("empty-path"));
        ForkedJvm.Result r = LeakTraceTest.runInNamespace(dir, script);
        assertEquals(0, r.exitCode(), r.toString());
        int socks = LeakTraceTest.port(dir, 0);

        String parent = LeakTraceTest.read(dir, "parent.out");
        assertTrue(parent.contains("fetch: OK HTTP 200"), parent + LeakTraceTest.read(dir, "parent.err"));
        String childJvm = LeakTraceTest.read(dir, "child-jvm.out");
        assertTrue(childJvm.contains("start: OK exit 0\n") && childJvm.contains("\nfetch: OK HTTP 200"), childJvm
                + LeakTraceTest.read(dir, "child-jvm.err"));
        String childCurl = LeakTraceTest.read(dir, "child-curl.out");
        assertTrue(childCurl.contains("start: OK exit 0\n") && childCurl.contains("\nHTTP 200"), childCurl + LeakTraceTest.read(dir, "child-curl.err"));
        String missing = LeakTraceTest.read(dir, "missing.out");
        assertTrue(missing.contains("start: EXC java.io.IOException: Cannot run program \"/usr/bin/curl\": streamiso "
                + "refused to start curl: exec=inherit runs every program but java under torsocks, and no torsocks was "
                + "found on this JVM's PATH; nothing was started."), missing);
        String refuse = LeakTraceTest.read(dir, "refuse.out");
        assertTrue(refuse.contains("start: EXC java.io.IOException: Cannot run program \"/usr/bin/curl\": streamiso "
                + "refused to start curl: exec=refuse allows no child process; nothing was started."), refuse);
        assertEquals("0", LeakTraceTest.read(dir, "canary.count").trim(), "the canary receives nothing");

        // Credentials: the parent, its child JVM and curl each have their own.
        List<String> connects = LeakTraceTest.read(dir, "auth.txt").lines()
                .filter(l -> l.contains(NAME) || l.contains(RecordingSocksServer.OUTSIDE_ADDRESS))
                .collect(Collectors.toList());
        assertEquals(3, connects.stream().filter(l -> l.startsWith("CONNECT ")).count(), String.join("\n", connects));
        List<String> passwords = connects.stream().filter(l -> l.startsWith("CONNECT "))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).collect(Collectors.toList());
        assertTrue(passwords.get(0).startsWith("si1:" + app + ":app:"), passwords.toString());
        assertTrue(passwords.get(1).startsWith("si1:" + app + ":app:"), passwords.toString());
        assertNotEquals(passwords.get(0), passwords.get(1), "the child JVM is an isolation identity of its own");
        assertTrue(passwords.get(2).startsWith("si1:curl:exec:"), passwords.toString());
        assertTrue(connects.stream().anyMatch(l -> l.startsWith("RESOLVE (0xF0) " + NAME + " si1:curl:exec:")),
                "curl's lookup went to the SOCKS server with its credentials: " + connects);

        long baselineUnix = SyscallTrace.unixConnects(LeakTraceTest.read(dir, "baseline.trace"));
        for (String run : List.of("parent", "child-jvm", "child-curl", "missing", "refuse")) {
            String trace = LeakTraceTest.read(dir, run + ".trace");
            // A child JVM and curl each ask nscd at start, as the parent does.
            long unix = run.startsWith("child") ? 3 * baselineUnix + 2 : baselineUnix;
            List<String> bad = SyscallTrace.violations(trace, "127.0.0.1", socks, unix);
            assertTrue(bad.isEmpty(), run + ": syscalls to something other than the SocksPort:\n" + String.join("\n", bad));
        }
        for (String run : List.of("missing", "refuse")) {
            String trace = LeakTraceTest.read(dir, run + ".trace");
            assertFalse(trace.contains("execve(\"/usr/bin/curl\""), run + ": curl was started:\n" + trace);
            assertEquals(0, SyscallTrace.connectsTo(trace, "127.0.0.1", socks), run);
        }
        String curlTrace = LeakTraceTest.read(dir, "child-curl.trace");
        assertTrue(curlTrace.contains("execve(\"/usr/bin/curl\""), "curl ran");
        assertTrue(SyscallTrace.connectsTo(curlTrace, "127.0.0.1", socks) >= 2, "curl's lookup and connect went to "
                + "the SocksPort:\n" + curlTrace);
    }

    private static void requireTools() throws Exception {
        for (String tool : new String[] {"torsocks", "curl"}) {
            ForkedJvm.Result r = ForkedJvm.exec(List.of("sh", "-c", "command -v " + tool), 10);
            if (r.exitCode() != 0) {
                if ("1".equals(System.getenv("STREAMISO_REQUIRE_LEAK_TEST"))) {
                    throw new IllegalStateException("The child-process leak test needs " + tool
                            + "; STREAMISO_REQUIRE_LEAK_TEST=1 makes this a failure. Install it (apt-get install "
                            + tool + ").");
                }
                org.junit.jupiter.api.Assumptions.assumeTrue(false, "The child-process leak test needs " + tool
                        + " (apt-get install torsocks curl)");
            }
        }
    }
}
