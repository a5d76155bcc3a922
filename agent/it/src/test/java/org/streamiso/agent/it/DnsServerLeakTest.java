package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The in-JVM DNS server, in the loopback-only namespace of {@link LeakTraceTest} under strace: an application that
 * sends DNS queries itself to port 53 of a nameserver (10.53.0.1, which does not exist in the namespace), through
 * every JDK datagram and socket API, JNDI and dnsjava, gets well-formed answers that appear to come from that
 * nameserver, while no datagram and no connection leaves for anything but the SocksPort and the agent's own
 * responders on 127.0.0.1. The harness's SOCKS server answers Tor's RESOLVE with 127.0.0.7 and RESOLVE_PTR with
 * {@code ptr-a-b-c-d.only-the-proxy-knows.test}, and "host unreachable" for names starting with {@code unknown}.
 * Under {@code isolate=thread} the RESOLVE behind each answer carries the credentials of the thread (and API scope)
 * that sent the query, as the harness recorded them.
 */
class DnsServerLeakTest {
    static final String NAMESERVER = "10.53.0.1";
    static final String NAME = "dns" + AgentRoutingTest.SUFFIX;
    private static final Pattern RESPONDER = Pattern.compile("UDP port (\\d+), TCP port (\\d+)");
    private static final Pattern LOCAL = Pattern.compile("answered a query from 127\\.0\\.0\\.1:(\\d+)");

    @Test
    void queriesToPort53AreAnsweredInsideTheJvmAndNothingLeaves(@TempDir Path dir) throws Exception {
        LeakTraceTest.requireTools();
        String clients = DnsServerClients.class.getName();
        List<String> runs = new ArrayList<>(List.of(
                "trace remote log=debug " + clients + " all " + NAMESERVER + " " + NAME,
                "trace stub log=debug " + clients + " udp-channel,tcp-socket 127.0.0.53 " + NAME,
                "trace keys log=debug,isolate=thread " + clients + " keys " + NAMESERVER + " " + NAME,
                "trace dnsjava log=debug " + clients + " jndi,dnsjava-udp,dnsjava-tcp " + NAMESERVER + " " + NAME,
                "trace mapped log=debug,dns=mapped,bypass=none " + clients + " udp-channel,aaaa,tcp-socket "
                        + NAMESERVER + " " + NAME,
                "trace off log=debug,dns-server=off " + clients + " udp-channel,udp-socket,tcp-socket " + NAMESERVER + " "
                        + NAME));
        if (ForkedJvm.feature() == 17) {
            runs.add("JVMOPTS=-Djdk.net.usePlainDatagramSocketImpl=true trace legacy log=debug " + clients
                    + " udp-socket,udp-socket-connected,jndi " + NAMESERVER + " " + NAME);
        }
        String script = LeakTraceTest.preamble(dir)
                + "trace() { run=$1; args=$2; shift 2; strace -f -qq -e trace=" + LeakTraceTest.TRACED + " -o " + dir
                + "/$run.trace " + ForkedJvm.java() + " ${JVMOPTS:-} -javaagent:" + ForkedJvm.AGENT_JAR.toAbsolutePath()
                + "=port=$socks,$args -cp " + ForkedJvm.CLASS_PATH + " \"$@\" > " + dir + "/$run.out 2> " + dir
                + "/$run.err; }\n"
                + String.join("\n", runs) + "\n";
        ForkedJvm.Result r = LeakTraceTest.runInNamespace(dir, script);
        assertEquals(0, r.exitCode(), r.toString());
        int socks = LeakTraceTest.port(dir, 0);

        String remote = read(dir, "remote");
        String from = "from=/" + NAMESERVER + ":53 ";
        String a = "rcode=NOERROR tc=0 qr=1 A=" + RecordingSocksServer.RESOLVED + " ttl=30";
        for (String path : List.of("udp-channel", "udp-channel-selector", "udp-socket")) {
            assertTrue(line(remote, path).startsWith(path + ": OK " + from), line(remote, path) + read(dir, "remote.err"));
            assertTrue(line(remote, path).contains(a), line(remote, path));
        }
        assertTrue(line(remote, "udp-channel-connected").matches(".*OK from=/" + NAMESERVER + ":53 local=\\d+ " + a
                + " connected=true"), line(remote, "udp-channel-connected"));
        assertTrue(line(remote, "udp-socket-connected").endsWith(a + " peer=/" + NAMESERVER + ":53 inet=/" + NAMESERVER
                + ":53"), line(remote, "udp-socket-connected"));
        for (String path : List.of("tcp-socket", "tcp-channel")) {
            assertTrue(line(remote, path).matches(path + ": OK " + a + " from=/" + NAMESERVER + ":53 local=\\d+"),
                    line(remote, path));
        }
        // Tor answered IPv4: an AAAA query gets no record, and no error (NODATA).
        assertTrue(line(remote, "aaaa").endsWith("rcode=NOERROR tc=0 qr=1 no-answer"), line(remote, "aaaa"));
        assertTrue(line(remote, "ptr").endsWith("rcode=NOERROR tc=0 qr=1 PTR=" + RecordingSocksServer.ptrName(
                "127.0.0.7") + ". ttl=30") || line(remote, "ptr").endsWith("rcode=NXDOMAIN tc=0 qr=1 no-answer"),
                line(remote, "ptr"));
        assertTrue(line(remote, "mx").endsWith("rcode=NOTIMP tc=0 qr=1 no-answer"), line(remote, "mx"));
        assertTrue(line(remote, "malformed").endsWith("rcode=FORMERR tc=0 qr=1 no-answer"), line(remote, "malformed"));
        assertTrue(line(remote, "edns").endsWith(a + " opt=1232"), line(remote, "edns"));
        assertTrue(line(remote, "badvers").endsWith("rcode=BADVERS tc=0 qr=1 no-answer opt=1232"),
                line(remote, "badvers"));
        assertTrue(line(remote, "unknown-name").endsWith("rcode=NXDOMAIN tc=0 qr=1 no-answer"),
                line(remote, "unknown-name"));
        assertTrue(line(read(dir, "dnsjava"), "jndi").equals("jndi: OK {a=A: " + RecordingSocksServer.RESOLVED + "}"),
                read(dir, "dnsjava"));
        for (String path : List.of("dnsjava-udp", "dnsjava-tcp")) {
            // dnsjava offers EDNS0 by default, as most stub resolvers now do.
            String dnsjava = read(dir, "dnsjava");
            assertTrue(line(dnsjava, path).equals(path + ": OK " + a + " opt=1232"), dnsjava + read(dir, "dnsjava.err"));
        }
        assertTrue(read(dir, "remote.err").contains("dns-answered="), read(dir, "remote.err"));

        // A loopback stub resolver (systemd-resolved's address), bypassed as loopback is by default, would forward the
        // query outside Tor: under the default bypass it is answered inside the JVM too.
        String stub = read(dir, "stub");
        assertTrue(line(stub, "udp-channel").startsWith("udp-channel: OK from=/127.0.0.53:53 ")
                && line(stub, "udp-channel").contains(a), stub + read(dir, "stub.err"));
        assertTrue(line(stub, "tcp-socket").matches("tcp-socket: OK " + a + " from=/127.0.0.53:53 local=\\d+"), stub);

        // Each answer carries the key of the thread and scope that sent the query, as the RESOLVE credentials show.
        assertEquals(4, read(dir, "keys").split(a, -1).length - 1, read(dir, "keys") + read(dir, "keys.err"));
        java.util.Map<String, String> passwords = new java.util.HashMap<>();
        for (String l : LeakTraceTest.read(dir, "ports.auth").split("\n")) {
            String[] f = l.split(" "); // RESOLVE (0xF0) NAME PASSWORD
            if (f.length == 4 && f[0].equals("RESOLVE") && f[2].startsWith("key-")) {
                passwords.put(f[2].substring(0, "key-a1".length()), f[3]);
            }
        }
        assertEquals(4, passwords.size(), passwords.toString());
        assertEquals(passwords.get("key-a1"), passwords.get("key-a2"), "one thread, one key");
        assertTrue(passwords.get("key-a1").startsWith("si1:"), passwords.toString());
        assertEquals(4 - 1, new HashSet<>(passwords.values()).size(), "another thread and a scope have keys of their "
                + "own: " + passwords);

        String mapped = read(dir, "mapped");
        assertTrue(line(mapped, "udp-channel").matches(".*rcode=NOERROR tc=0 qr=1 A=240\\.\\d+\\.\\d+\\.\\d+ ttl=30"),
                mapped + read(dir, "mapped.err"));
        assertTrue(line(mapped, "aaaa").matches(".*rcode=NOERROR tc=0 qr=1 AAAA=100:0:0:0:\\S+ ttl=30"), mapped);
        assertTrue(line(mapped, "tcp-socket").contains("rcode=NOERROR tc=0 qr=1 A=240."), mapped);

        // dns-server=off: today's refusal, naming the switch.
        String off = read(dir, "off");
        for (String path : List.of("udp-channel", "udp-socket")) {
            assertTrue(line(off, path).startsWith(path + ": EXC java.net.SocketException: streamiso refused a UDP "
                    + "datagram to [scrubbed]:53") && line(off, path).contains("dns-server=on answers"),
                    off + read(dir, "off.err"));
        }
        assertTrue(line(off, "tcp-socket").startsWith("tcp-socket: EXC "), off);

        if (ForkedJvm.feature() == 17) {
            String legacy = read(dir, "legacy");
            assertTrue(line(legacy, "udp-socket").startsWith("udp-socket: OK " + from), legacy + read(dir, "legacy.err"));
            assertTrue(line(legacy, "udp-socket").endsWith(a), legacy);
            assertTrue(line(legacy, "udp-socket-connected").endsWith(a + " peer=/" + NAMESERVER + ":53 inet=/"
                    + NAMESERVER + ":53"), legacy);
            assertTrue(line(legacy, "jndi").equals("jndi: OK {a=A: " + RecordingSocksServer.RESOLVED + "}"), legacy);
        }

        long baselineUnix = SyscallTrace.unixConnects(read(dir, "baseline.trace"));
        List<String> traced = new ArrayList<>(List.of("remote", "stub", "keys", "dnsjava", "mapped", "off"));
        if (ForkedJvm.feature() == 17) {
            traced.add("legacy");
        }
        for (String run : traced) {
            // The agent's own responders, and the application's own sockets, which the answers go to.
            Set<Integer> allowed = new HashSet<>(Set.of(socks));
            Matcher m = RESPONDER.matcher(read(dir, run + ".err"));
            while (m.find()) {
                allowed.add(Integer.parseInt(m.group(1)));
                allowed.add(Integer.parseInt(m.group(2)));
            }
            Matcher l = LOCAL.matcher(read(dir, run + ".err"));
            while (l.find()) {
                allowed.add(Integer.parseInt(l.group(1)));
            }
            String trace = read(dir, run + ".trace");
            if (run.equals("dnsjava") || run.equals("legacy")) { // both run JNDI
                // JNDI and dnsjava read the file for their search list and options; their queries go to the
                // nameserver they were given. Reading the file sends nothing: the datagrams and connects below prove it.
                trace = trace.lines().filter(t -> !t.contains("\"/etc/resolv.conf\"")).collect(
                        java.util.stream.Collectors.joining("\n"));
            }
            List<String> bad = SyscallTrace.violations(trace, "127.0.0.1", allowed, baselineUnix);
            assertTrue(bad.isEmpty(), run + ": syscalls that left for something other than the SocksPort, the agent's "
                    + "responders " + allowed + " and the application's sockets:\n" + String.join("\n", bad));
            assertTrue(!trace.contains("htons(53)"), run + ": nothing was aimed at port 53:\n" + trace);
        }
    }

    private static String line(String out, String path) {
        return LeakTraceTest.block(out, path).trim();
    }

    private static String read(Path dir, String name) throws Exception {
        return LeakTraceTest.read(dir, name.contains(".") ? name : name + ".out");
    }
}
