package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The leak tests: an application under the agent runs every TCP path, and every name and datagram API, inside
 * a network namespace that has only loopback ({@code unshare -n}), under {@code strace -f -e trace=}{@link
 * #TRACED}; every connect goes to the SocksPort, with the proxy up and with it down, no datagram is sent, no
 * multicast group joined, and no lookup reaches a resolver.
 *
 * <p>Needs root, unshare, ip and strace; skipped with a message where they are missing, unless
 * {@code STREAMISO_REQUIRE_LEAK_TEST=1} (CI) makes that a failure.
 */
class LeakTraceTest {
    static final String NAME = "leak" + AgentRoutingTest.SUFFIX;

    @Test
    void everyConnectGoesToTheSocksPortWithTheProxyUpAndDown(@TempDir Path dir) throws Exception {
        requireTools();
        String cp = ForkedJvm.CLASS_PATH;
        String agent = ForkedJvm.AGENT_JAR.toAbsolutePath().toString();
        String script = preamble(dir) + String.join("\n",
                "trace() { strace -f -qq -e trace=" + TRACED + " -o " + dir + "/$1.trace " + ForkedJvm.java()
                        + " -Dhttp.keepAlive=false ${5:-} -javaagent:" + agent + "=port=$2,bypass=none -cp " + cp + " "
                        + Clients.class.getName() + " all $3 $4 > " + dir + "/$1.out 2> " + dir + "/$1.err; }",
                "trace up-name $socks " + NAME + " 80",
                "trace up-literal $socks 127.0.0.1 $canary",
                "trace down-name $dead " + NAME + " 80",
                "trace down-literal $dead 127.0.0.1 $canary",
                // JDK 17's legacy socket implementation connects in native code that skips sun.nio.ch.Net.
                ForkedJvm.feature() == 17 ? "trace down-legacy $dead 127.0.0.1 $canary -Djdk.net.usePlainSocketImpl=true"
                        : "",
                "sleep 0.3",
                "cp " + dir + "/ports.canary " + dir + "/canary.count",
                "");
        ForkedJvm.Result r = runInNamespace(dir, script);
        assertEquals(0, r.exitCode(), r.toString());
        int socks = port(dir, 0);
        int dead = port(dir, 3);

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

    /**
     * Every name API, every datagram API, the reachability probe, a multicast join and Netty, under
     * {@code dns=remote} and {@code dns=mapped}, with the proxy up and down (and JDK 17's legacy datagram
     * implementation): no connect but to the SocksPort, no datagram, no group join, no resolver file opened.
     * JNDI's DNS client runs with {@code dns-server=off}, so that its query is refused ({@link DnsServerLeakTest}
     * has it answered).
     * The bypass is the default (loopback), so an answer of Tor's (127.0.0.7) that were connected directly
     * would show as a connect to loopback.
     */
    @Test
    void noLookupAndNoDatagramLeavesWithTheProxyUpAndDown(@TempDir Path dir) throws Exception {
        requireTools();
        String target = "192.0.2.53"; // TEST-NET-1, aimed at only inside the namespace
        String name = "dns" + AgentRoutingTest.SUFFIX;
        String clients = DnsUdpClients.class.getName();
        String netty = NettyClients.class.getName();
        List<String> runs = new java.util.ArrayList<>(List.of(
                "trace up-remote $socks dns=remote " + clients + " all " + name + " 80 " + target,
                "trace up-mapped $socks dns=mapped " + clients + " all " + name + " 80 " + target,
                "trace down-remote $dead dns=remote " + clients + " all " + name + " 80 " + target,
                "trace down-mapped $dead dns=mapped " + clients + " all " + name + " 80 " + target,
                "trace join $socks dns=remote " + clients + " multicast-join - 5353 " + target,
                "trace jndi $socks dns=remote,dns-server=off " + clients + " jndi-dns " + name + " 53 " + target,
                "trace netty-best $socks dns=remote " + netty + " netty-best " + name + " 80",
                "trace netty-epoll $socks dns=remote " + netty + " netty-epoll " + name + " 80"));
        if (ForkedJvm.feature() == 17) {
            runs.add("JVMOPTS=-Djdk.net.usePlainDatagramSocketImpl=true trace legacy $socks dns=remote " + clients
                    + " all " + name + " 80 " + target);
        }
        String script = preamble(dir)
                + "trace() { run=$1; port=$2; args=$3; shift 3; strace -f -qq -e trace=" + TRACED + " -o " + dir
                + "/$run.trace " + ForkedJvm.java() + " ${JVMOPTS:-} -javaagent:" + ForkedJvm.AGENT_JAR.toAbsolutePath()
                + "=port=$port,$args -cp " + ForkedJvm.CLASS_PATH + " \"$@\" > " + dir + "/$run.out 2> " + dir
                + "/$run.err; }\n"
                + String.join("\n", runs) + "\n";
        ForkedJvm.Result r = runInNamespace(dir, script);
        assertEquals(0, r.exitCode(), r.toString());
        int socks = port(dir, 0);
        int dead = port(dir, 3);

        String upRemote = read(dir, "up-remote.out");
        assertTrue(upRemote.contains("get-by-name: OK " + name + "/" + RecordingSocksServer.RESOLVED), upRemote);
        assertTrue(upRemote.contains("connect-resolved: OK HTTP/1.1 200 OK | " + name + "/"), upRemote);
        assertTrue(upRemote.contains("get-host-name: OK " + RecordingSocksServer.ptrName(target)), upRemote);
        String upMapped = read(dir, "up-mapped.out");
        assertTrue(upMapped.contains("get-by-name: OK " + name + "/240."), upMapped);
        assertTrue(upMapped.contains("connect-resolved: OK HTTP/1.1 200 OK | " + name + "/240."), upMapped);
        assertTrue(upMapped.contains("get-host-name: OK " + target), upMapped);
        assertTrue(upMapped.contains("reverse-of-answer: OK " + name), upMapped);
        String downRemote = read(dir, "down-remote.out");
        assertTrue(downRemote.contains("get-by-name: EXC java.net.UnknownHostException: streamiso could not look up "
                + "[scrubbed] through Tor: Tor SocksPort 127.0.0.1:" + dead + " refused"), downRemote);
        assertTrue(downRemote.contains("get-host-name: OK " + target), downRemote);
        String downMapped = read(dir, "down-mapped.out");
        assertTrue(downMapped.contains("connect-resolved: EXC java.net.ConnectException: Tor SocksPort 127.0.0.1:"
                + dead + " refused"), downMapped);
        List<String> allRuns = ForkedJvm.feature() == 17
                ? List.of("up-remote", "up-mapped", "down-remote", "down-mapped", "legacy")
                : List.of("up-remote", "up-mapped", "down-remote", "down-mapped");
        for (String run : allRuns) {
            String out = read(dir, run + ".out");
            for (String path : DnsUdpClients.REFUSED_PATHS) {
                String line = block(out, path);
                assertTrue(line.startsWith(path + ": EXC " + DnsUdpClients.refusal(path, 80)), run + ":\n" + line);
            }
        }
        assertTrue(read(dir, "join.out").startsWith("EXC java.net.SocketException: streamiso refused to join multicast "
                + "group [scrubbed]"), read(dir, "join.out") + read(dir, "join.err"));
        String jndi = read(dir, "jndi.out");
        assertTrue(jndi.startsWith("EXC javax.naming.") && jndi.contains("java.net.SocketException: streamiso refused "
                + "a UDP datagram to [scrubbed]:53"), jndi);
        assertTrue(read(dir, "netty-best.out").startsWith("OK nio HTTP/1.1 200 OK"), read(dir, "netty-best.out")
                + read(dir, "netty-best.err"));
        assertTrue(read(dir, "netty-epoll.out").startsWith("EXC java.lang.UnsatisfiedLinkError"),
                read(dir, "netty-epoll.out"));

        long baselineUnix = SyscallTrace.unixConnects(read(dir, "baseline.trace"));
        List<String> traced = new java.util.ArrayList<>(allRuns);
        traced.addAll(List.of("join", "jndi", "netty-best", "netty-epoll"));
        for (String run : traced) {
            int allowedPort = run.startsWith("down") ? dead : socks;
            String trace = read(dir, run + ".trace");
            if (run.equals("jndi")) {
                // JNDI's own DNS client reads the nameservers from /etc/resolv.conf; its datagram is what counts.
                trace = trace.lines().filter(l -> !l.contains("\"/etc/resolv.conf\"")).collect(Collectors.joining("\n"));
            }
            List<String> bad = SyscallTrace.violations(trace, "127.0.0.1", allowedPort, baselineUnix);
            assertTrue(bad.isEmpty(), run + ": syscalls that left for something other than the SocksPort:\n"
                    + String.join("\n", bad));
        }
        assertTrue(SyscallTrace.connectsTo(read(dir, "up-remote.trace"), "127.0.0.1", socks) >= 4,
                "the trace saw the RESOLVE, RESOLVE_PTR and CONNECT connections:\n" + read(dir, "up-remote.trace"));
    }

    /** The system calls traced: every way out to the network, the resolver's files, and multicast joins. */
    static final String TRACED = "connect,sendto,sendmsg,sendmmsg,openat,setsockopt";

    /**
     * The start of a namespace script: loopback up, the harness (SOCKS server, web server, canary) started
     * without the agent, its ports read into {@code $socks $web $canary $dead}, and a baseline trace of a
     * JVM without the agent.
     */
    static String preamble(Path dir) throws Exception {
        Path ports = dir.resolve("ports");
        String java = ForkedJvm.java();
        Path tls = dir.resolve("tls");
        if (!Files.exists(tls.resolve(TlsTestServer.KEY_STORE))) {
            Files.createDirectories(tls);
            TlsTestServer.createKeyStore(tls, TLS_A, TLS_B);
        }
        return String.join("\n",
                "set -eu",
                "ip link set lo up",
                java + " -cp " + ForkedJvm.CLASSES + ":" + harnessClassPath() + " " + LeakHarness.class.getName() + " " + ports
                        + " " + tls.resolve(TlsTestServer.KEY_STORE) + " &",
                "harness=$!",
                // The harness writes into the test's folder until it is gone: wait for it, so that JUnit never
                // deletes the folder while the harness still writes its canary count there.
                "trap 'kill $harness; wait $harness 2>/dev/null || true' EXIT",
                "for i in $(seq 1 300); do [ -f " + ports + " ] && break; kill -0 $harness; sleep 0.1; done",
                "read socks web canary dead ftp tls < " + ports,
                "strace -f -qq -e trace=" + TRACED + " -o " + dir + "/baseline.trace " + java + " -cp "
                        + ForkedJvm.CLASSES + " '" + AgentArgumentsForkedTest.Hello.class.getName() + "' > /dev/null",
                "");
    }

    /** The names the TLS server's certificate carries, which the SOCKS server sends to it. */
    static final String TLS_A = "tls-a" + AgentRoutingTest.SUFFIX;
    static final String TLS_B = "tls-b" + AgentRoutingTest.SUFFIX;

    /**
     * A port the harness wrote: 0 the SOCKS server, 1 the web server, 2 the canary, 3 a dead port, 4 the FTP
     * server's control port, 5 the TLS server.
     */
    static int port(Path dir, int which) throws Exception {
        return Integer.parseInt(Files.readString(dir.resolve("ports")).trim().split(" ")[which]);
    }

    /**
     * Runs the script in a new network namespace that has only loopback, and a UTS namespace of its own so that a
     * script may give the machine a host name that its hosts file lacks.
     */
    static ForkedJvm.Result runInNamespace(Path dir, String script) throws Exception {
        Path file = dir.resolve("leak.sh");
        Files.writeString(file, script);
        return ForkedJvm.exec(List.of("unshare", "-n", "-u", "bash", "-x", file.toString()), 600);
    }

    /** The line of one path in a {@code PATH: OK|EXC ...} listing, with its CAUSE lines. */
    static String block(String out, String path) {
        int at = out.startsWith(path + ": ") ? 0 : out.indexOf("\n" + path + ": ") + 1;
        if (at == 0 && !out.startsWith(path + ": ")) {
            return "(no " + path + ")";
        }
        StringBuilder b = new StringBuilder();
        for (String line : out.substring(at).split("\n", -1)) {
            if (b.length() > 0 && !line.startsWith("CAUSE ")) {
                break;
            }
            b.append(line).append('\n');
        }
        return b.toString();
    }

    /** The fixtures the harness runs (the recording SOCKS server, the canary) and the SOCKS codec they use. */
    static String harnessClassPath() throws Exception {
        return location(RecordingSocksServer.class) + ":" + location(org.streamiso.socks.Socks5Codec.class);
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static long paths() {
        return Clients.PATHS.stream().filter(p -> !p.startsWith("virtual-thread") || ForkedJvm.feature() >= 21).count();
    }

    static String read(Path dir, String name) throws Exception {
        Path f = dir.resolve(name);
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "(no " + name + ")";
    }

    /** Skips the test, or fails it under {@code STREAMISO_REQUIRE_LEAK_TEST=1}, without root or a tool it needs. */
    static void requireTools(String... more) throws Exception {
        String missing = null;
        List<String> tools = new java.util.ArrayList<>(List.of("unshare", "strace", "ip"));
        tools.addAll(List.of(more));
        for (String tool : tools) {
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
