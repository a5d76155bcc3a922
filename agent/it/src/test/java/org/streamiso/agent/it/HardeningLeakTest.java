package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hardening leak tests, in the loopback-only namespace of {@link LeakTraceTest} under strace: a routed
 * connection reports its destination, so a hostile FTP server cannot steer the JDK's FTP client at a local port and
 * TLS sends the name as SNI, with one session per destination; local names that glibc would send to the DNS
 * server ({@code localhost.}, {@code 127.0.0.1.}, the machine's own name where the hosts file lacks it) are answered
 * without a query; {@code bypass=none} stays in force after local lookups; link-local destinations are refused.
 * Every connect goes to the SocksPort, no datagram is sent, no resolver file is read.
 */
class HardeningLeakTest {
    static final String NAME = "peer" + AgentRoutingTest.SUFFIX;
    static final String FTP = "ftp" + AgentRoutingTest.SUFFIX;
    /** A host name the namespace gets, which /etc/hosts does not list. */
    static final String HOST_NAME = "streamiso-leak-host";

    @Test
    void routedConnectionsLookLikeTheirDestinationAndLocalNamesNeverReachDns(@TempDir Path dir) throws Exception {
        LeakTraceTest.requireTools();
        Files.writeString(dir.resolve("hosts"), "127.0.0.99 " + HOST_NAME + "\n");
        String peer = PeerClients.class.getName();
        String local = HardeningClients.class.getName();
        String trust = dir.resolve("tls").resolve(TlsTestServer.TRUST_STORE).toString();
        List<String> runs = List.of(
                "trace peer bypass=none " + peer + " peer " + NAME + " 80",
                "trace ftp-epsv dns=remote " + peer + " ftp-get epsv " + FTP + " 21",
                "trace ftp-epsv-mapped dns=mapped " + peer + " ftp-get epsv " + FTP + " 21",
                "trace ftp-put-epsv dns=remote " + peer + " ftp-put epsv " + FTP + " 21",
                "trace ftp-pasv-hostile dns=remote " + peer + " ftp-get pasv-hostile " + FTP + " 21",
                "trace ftp-pasv dns=remote " + peer + " ftp-get pasv " + FTP + " 21",
                "trace tls dns=remote " + peer + " tls " + trust + " " + LeakTraceTest.TLS_A + " "
                        + LeakTraceTest.TLS_B + " 443",
                "trace local-names bypass=none " + local + " local-names $web",
                "JVMOPTS=-Djdk.net.hosts.file=" + dir.resolve("hosts") + " trace own-host-listed bypass=none " + local
                        + " local-names $web",
                "trace link-local dns=remote " + local + " link-local");
        String script = LeakTraceTest.preamble(dir)
                + "hostname " + HOST_NAME + "\n"
                + "trace() { run=$1; args=$2; shift 2; strace -f -qq -e trace=" + LeakTraceTest.TRACED + " -o " + dir
                + "/$run.trace " + ForkedJvm.java() + " ${JVMOPTS:-} -javaagent:" + ForkedJvm.AGENT_JAR.toAbsolutePath()
                + "=port=$socks,$args -cp " + ForkedJvm.CLASS_PATH + " \"$@\" > " + dir + "/$run.out 2> " + dir
                + "/$run.err; }\n"
                + String.join("\n", runs) + "\n"
                + "sleep 0.3\ncp " + dir + "/ports.canary " + dir + "/canary.count\n";
        ForkedJvm.Result r = LeakTraceTest.runInNamespace(dir, script);
        assertEquals(0, r.exitCode(), r.toString());
        int socks = LeakTraceTest.port(dir, 0);

        // 1. Every routed API reports the destination it was asked for, by name, never the SocksPort.
        String peerOut = read(dir, "peer");
        for (String path : List.of("socket-unresolved", "socket-resolved", "channel", "channel-adaptor", "async")) {
            assertTrue(LeakTraceTest.block(peerOut, path).startsWith(path + ": OK host=" + NAME + " port=80"),
                    path + ":\n" + peerOut + read(dir, "peer.err"));
        }

        // 1. FTP: the data connection goes to the server by name through Tor; the canary on 127.0.0.1 gets nothing.
        for (String run : List.of("ftp-epsv", "ftp-epsv-mapped", "ftp-pasv")) {
            assertEquals("OK " + FtpTestServer.CONTENT.trim(), read(dir, run).trim(), run + ":\n" + read(dir, run + ".err"));
        }
        assertEquals("OK uploaded", read(dir, "ftp-put-epsv").trim(), read(dir, "ftp-put-epsv.err"));
        assertTrue(read(dir, "ftp-pasv-hostile").startsWith("EXC ")
                && read(dir, "ftp-pasv-hostile").contains("Address should be the same as originating server"),
                "a passive reply that names a local address is refused by the JDK:\n" + read(dir, "ftp-pasv-hostile"));
        assertEquals("0", read(dir, "canary.count").trim(), "the hostile FTP server's canary receives nothing");

        // 1. TLS: SNI and peer host are the destination's, and each destination has its own session.
        String tls = read(dir, "tls");
        int tlsPort = 443;
        for (String name : List.of(LeakTraceTest.TLS_A, LeakTraceTest.TLS_B)) {
            assertTrue(tls.contains("OK " + name + " peerHost=" + name + " peerPort=" + tlsPort + " remote=" + name + ":"
                    + tlsPort), tls + read(dir, "tls.err"));
            assertTrue(tls.contains("line=hello " + name + " "), "the server received SNI " + name + ":\n" + tls);
        }
        assertTrue(tls.contains("resumed-a=true distinct-b=true"), tls);

        // 2, 3, 4: local names answered without a resolver, and bypass=none holds after the lookups.
        String names = read(dir, "local-names");
        assertTrue(names.contains("localhost-dotted: OK localhost./127.0.0.1"), names + read(dir, "local-names.err"));
        assertTrue(names.contains("localhost-upper-dotted: OK LOCALHOST./127.0.0.1"), names);
        assertTrue(names.contains("literal-dotted: OK 127.0.0.1./127.0.0.1"), names);
        assertTrue(names.contains("own-host-dotted: OK " + HOST_NAME + "./127.0.0.1"), names);
        assertTrue(names.contains("get-local-host: OK " + HOST_NAME + "/127.0.0.1"), names);
        assertTrue(names.contains("url-localhost-dotted: OK " + TestWebServer.GREETING + ": /dotted"), names);
        assertTrue(names.contains("loopback-after-lookup: OK HTTP/1."), names);
        String listed = read(dir, "own-host-listed");
        assertTrue(listed.contains("get-local-host: OK " + HOST_NAME + "/127.0.0.99"), listed + read(dir, "own-host-listed.err"));

        // 6. Link-local destinations are refused, the zone never sent (nor printed: the destination is scrubbed).
        assertTrue(!linkLocalOutput(dir).contains("enx"), linkLocalOutput(dir));
        String linkLocal = read(dir, "link-local");
        assertEquals(7, linkLocal.lines().filter(l -> l.contains(": EXC java.net.ConnectException: streamiso refused a "
                + "connection to [scrubbed]:80, a")).count(), linkLocal + read(dir, "link-local.err"));

        long baselineUnix = SyscallTrace.unixConnects(read(dir, "baseline.trace"));
        List<String> traced = new ArrayList<>(List.of("peer", "ftp-epsv", "ftp-epsv-mapped", "ftp-put-epsv",
                "ftp-pasv-hostile", "ftp-pasv", "tls", "local-names", "own-host-listed", "link-local"));
        for (String run : traced) {
            String trace = read(dir, run + ".trace");
            if (run.equals("local-names") || run.equals("own-host-listed") || run.startsWith("ftp")) {
                // The agent reads the hosts file itself for the machine's own name (the FTP client asks for it too);
                // glibc, which would go on to the DNS server, is never asked: no resolv.conf, no datagram.
                trace = trace.lines().filter(l -> !l.contains("\"/etc/hosts\"") && !l.contains(dir + "/hosts\""))
                        .collect(Collectors.joining("\n"));
            }
            List<String> bad = SyscallTrace.violations(trace, "127.0.0.1", socks, baselineUnix);
            assertTrue(bad.isEmpty(), run + ": syscalls that left for something other than the SocksPort:\n"
                    + String.join("\n", bad));
            assertTrue(run.equals("link-local") || SyscallTrace.connectsTo(trace, "127.0.0.1", socks) >= 1,
                    run + ": the trace saw the connection to the SocksPort:\n" + trace);
        }
    }

    private static String linkLocalOutput(Path dir) throws Exception {
        return read(dir, "link-local").lines().filter(l -> !l.startsWith("unresolved ")).collect(Collectors.joining("\n"))
                + read(dir, "link-local.err");
    }

    private static String read(Path dir, String name) throws Exception {
        return LeakTraceTest.read(dir, name.contains(".") ? name : name + ".out");
    }
}
