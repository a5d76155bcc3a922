package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leak test: an application under the agent runs every TCP path inside a network namespace that has
 * only loopback ({@code unshare -n}), under {@code strace -f -e trace=connect,sendto,sendmsg,openat}; every
 * connect goes to the SocksPort, with the proxy up and with it down, and no lookup reaches a resolver.
 *
 * <p>Needs root, unshare, ip and strace; skipped with a message where they are missing, unless
 * {@code STREAMISO_REQUIRE_LEAK_TEST=1} (CI) makes that a failure.
 */
class LeakTraceTest {
    static final String NAME = "leak" + AgentRoutingTest.SUFFIX;

    @Test
    void everyConnectGoesToTheSocksPortWithTheProxyUpAndDown(@TempDir Path dir) throws Exception {
        requireTools();
        Path script = dir.resolve("leak.sh");
        Path ports = dir.resolve("ports");
        String java = ForkedJvm.java();
        String cp = ForkedJvm.CLASSES;
        String agent = ForkedJvm.AGENT_JAR.toAbsolutePath().toString();
        Files.writeString(script, String.join("\n",
                "set -eu",
                "ip link set lo up",
                java + " -cp " + cp + ":" + codecJar() + " " + LeakHarness.class.getName() + " " + ports + " &",
                "harness=$!",
                "trap 'kill $harness' EXIT",
                "for i in $(seq 1 300); do [ -f " + ports + " ] && break; kill -0 $harness; sleep 0.1; done",
                "read socks web canary dead < " + ports,
                "strace -f -qq -e trace=connect,sendto,sendmsg,openat -o " + dir + "/baseline.trace " + java + " -cp " + cp
                        + " '" + AgentArgumentsForkedTest.Hello.class.getName() + "' > /dev/null",
                "trace() { strace -f -qq -e trace=connect,sendto,sendmsg,openat -o " + dir + "/$1.trace " + java
                        + " -Dhttp.keepAlive=false ${5:-} -javaagent:" + agent + "=port=$2,bypass=none -cp " + cp + " " + Clients.class.getName()
                        + " all $3 $4 > " + dir + "/$1.out 2> " + dir + "/$1.err; }",
                "trace up-name $socks " + NAME + " 80",
                "trace up-literal $socks 127.0.0.1 $canary",
                "trace down-name $dead " + NAME + " 80",
                "trace down-literal $dead 127.0.0.1 $canary",
                // JDK 17's legacy socket implementation connects in native code that skips sun.nio.ch.Net.
                ForkedJvm.feature() == 17 ? "trace down-legacy $dead 127.0.0.1 $canary -Djdk.net.usePlainSocketImpl=true"
                        : "",
                "sleep 0.3",
                "cp " + ports + ".canary " + dir + "/canary.count",
                ""));
        ForkedJvm.Result r = ForkedJvm.exec(List.of("unshare", "-n", "bash", "-x", script.toString()), 600);
        assertEquals(0, r.exitCode(), r.toString());
        String[] p = Files.readString(ports).trim().split(" ");
        int socks = Integer.parseInt(p[0]);
        int dead = Integer.parseInt(p[3]);

        String upName = read(dir, "up-name.out");
        String upLiteral = read(dir, "up-literal.out");
        for (String out : List.of(upName, upLiteral)) {
            long ok = out.lines().filter(l -> l.contains(": OK HTTP")).count();
            assertEquals(paths(), ok, "every path reaches the web server through the SOCKS server:\n" + out
                    + read(dir, "up-name.err"));
        }
        List<String> downRuns = ForkedJvm.feature() == 17 ? List.of("down-name", "down-literal", "down-legacy")
                : List.of("down-name", "down-literal");
        for (String run : downRuns) {
            String out = read(dir, run + ".out");
            long refused = out.lines().filter(l -> l.contains(": EXC ")
                    && l.contains("Tor SocksPort 127.0.0.1:" + dead + " refused")).count();
            assertEquals(paths(), refused, "every path fails naming the SocksPort:\n" + out);
        }
        assertEquals("0", read(dir, "canary.count").trim(), "the canary receives nothing");

        long baselineUnix = SyscallTrace.unixConnects(read(dir, "baseline.trace"));
        assertTrue(SyscallTrace.violations(read(dir, "baseline.trace"), "127.0.0.1", socks, baselineUnix).isEmpty());
        List<String> runs = new java.util.ArrayList<>(List.of("up-name", "up-literal"));
        runs.addAll(downRuns);
        for (String run : runs) {
            int allowedPort = run.startsWith("up") ? socks : dead;
            String trace = read(dir, run + ".trace");
            List<String> bad = SyscallTrace.violations(trace, "127.0.0.1", allowedPort, baselineUnix);
            assertTrue(bad.isEmpty(), run + ": syscalls to something other than the SocksPort:\n"
                    + String.join("\n", bad));
            long seen = SyscallTrace.connectsTo(trace, "127.0.0.1", allowedPort);
            assertTrue(seen >= paths(), run + ": the trace must show a connect to the SocksPort for each of the "
                    + paths() + " paths, saw " + seen + ":\n" + trace);
        }
    }

    /** The SOCKS codec's classes, which the harness's SOCKS server uses. */
    private static String codecJar() throws Exception {
        return Path.of(org.streamiso.socks.Socks5Codec.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    private static long paths() {
        return Clients.PATHS.stream().filter(p -> !p.startsWith("virtual-thread") || ForkedJvm.feature() >= 21).count();
    }

    private static String read(Path dir, String name) throws Exception {
        Path f = dir.resolve(name);
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "(no " + name + ")";
    }

    private static void requireTools() throws Exception {
        String missing = null;
        for (String tool : new String[] {"unshare", "strace", "ip"}) {
            ForkedJvm.Result r = ForkedJvm.exec(List.of("sh", "-c", "command -v " + tool), 10);
            if (r.exitCode() != 0) {
                missing = tool;
            }
        }
        if (missing == null) {
            ForkedJvm.Result r = ForkedJvm.exec(List.of("unshare", "-n", "true"), 10);
            if (r.exitCode() != 0) {
                missing = "permission for unshare -n (root)";
            }
        }
        if (missing != null && "1".equals(System.getenv("STREAMISO_REQUIRE_LEAK_TEST"))) {
            throw new IllegalStateException("The leak test needs " + missing
                    + "; STREAMISO_REQUIRE_LEAK_TEST=1 makes this a failure. Install it (apt-get install strace).");
        }
        assumeTrue(missing == null, "The leak test needs " + missing + " (apt-get install strace util-linux iproute2)");
    }
}
