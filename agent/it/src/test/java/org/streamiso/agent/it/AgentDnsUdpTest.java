package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.testing.Canary;
import org.streamiso.testing.RecordingSocksServer;

/**
 * Every JDK name API answers through the SocksPort (RESOLVE, RESOLVE_PTR) or from placeholders, keeps the
 * name for the connect, and never asks the machine's resolver; every datagram API and the reachability probe
 * are refused with nothing sent; Netty's NIO transport is routed and its epoll transport cannot load.
 *
 * <p>Outside a network namespace, so everything is aimed at loopback, and each forked JVM's built-in
 * resolver reads a hosts file ({@code jdk.net.hosts.file}) instead of DNS: a lookup that went past the agent
 * would fail or answer from that file, never send a query. The syscall-level proof is {@link LeakTraceTest}.
 */
class AgentDnsUdpTest {
    static TestWebServer web;
    static RecordingSocksServer socks;
    static Canary udp;
    static Canary tcp;
    static Path hosts;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        web = new TestWebServer();
        socks = RecordingSocksServer.relaying(request -> new InetSocketAddress("127.0.0.1", web.port()));
        udp = new Canary();
        tcp = new Canary();
        hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1 localhost\n127.0.0.42 printer.lan\n");
    }

    @AfterAll
    static void stop() throws Exception {
        socks.close();
        web.close();
        udp.close();
        tcp.close();
    }

    /** {@link DnsUdpClients} with NAME, port 80 and TARGET, the JVM's own resolver reading {@link #hosts}. */
    private static ForkedJvm.Result run(String agentArgs, String path, String name, String target) throws Exception {
        return fork(agentArgs, List.of(), DnsUdpClients.class, path, name, "80", target);
    }

    /** A forked JVM whose built-in resolver reads {@link #hosts} instead of asking DNS. */
    private static ForkedJvm.Result fork(String agentArgs, List<String> jvm, Class<?> main, String... args)
            throws Exception {
        List<String> options = new ArrayList<>(List.of("-Djdk.net.hosts.file=" + hosts));
        options.addAll(jvm);
        return ForkedJvm.run(agentArgs, options, main, args);
    }

    private static List<Socks5CommandRequest> asked(Socks5CommandType command, String what) {
        return socks.requests(command).stream().filter(q -> q.dstAddr().equals(what)).collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"get-by-name", "get-all-by-name", "inet-socket-address"})
    void remoteLookupsAskTorAndKeepTheName(String path) throws Exception {
        String name = path + AgentRoutingTest.SUFFIX;
        ForkedJvm.Result r = run("port=" + socks.port(), path, name, "127.0.0.1");
        assertEquals("OK " + name + "/" + RecordingSocksServer.RESOLVED, r.stdout().trim(), r.toString());
        assertEquals(1, asked(Socks5CommandType.RESOLVE, name).size(), socks.requests().toString());
        assertEquals("", r.stderr(), "a lookup through Tor is no refusal");
    }

    @Test
    void anAddressTorAnsweredIsConnectedByNameEvenWhereTheAddressIsBypassed() throws Exception {
        // 127.0.0.7 is loopback, bypassed by default, and nothing listens there: only the name reaches the web server.
        String name = "connect-remote" + AgentRoutingTest.SUFFIX;
        ForkedJvm.Result r = run("port=" + socks.port(), "connect-resolved", name, "127.0.0.1");
        assertEquals("OK HTTP/1.1 200 OK | " + name + "/" + RecordingSocksServer.RESOLVED, r.stdout().trim(),
                r.toString());
        List<Socks5CommandRequest> connects = asked(Socks5CommandType.CONNECT, name);
        assertEquals(1, connects.size(), socks.requests().toString());
        assertEquals(Socks5AddressType.DOMAIN, connects.get(0).dstAddrType());
    }

    @Test
    void mappedLookupsAnswerAPlaceholderWithoutARoundTripAndConnectByName() throws Exception {
        String name = "connect-mapped" + AgentRoutingTest.SUFFIX;
        ForkedJvm.Result r = run("port=" + socks.port() + ",dns=mapped", "connect-resolved", name, "127.0.0.1");
        assertTrue(r.stdout().startsWith("OK HTTP/1.1 200 OK | " + name + "/240."), r.toString());
        assertEquals(0, asked(Socks5CommandType.RESOLVE, name).size(), "no RESOLVE under dns=mapped");
        assertEquals(1, asked(Socks5CommandType.CONNECT, name).size(), socks.requests().toString());

        ForkedJvm.Result reverse = run("port=" + socks.port() + ",dns=mapped", "reverse-of-answer", name, "127.0.0.1");
        assertEquals("OK " + name, reverse.stdout().trim(), "a placeholder's bytes name it: " + reverse);
    }

    @Test
    void onionNamesAreMappedEvenUnderRemoteAndNeverResolved() throws Exception {
        String onion = "streamisotestxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion";
        ForkedJvm.Result r = run("port=" + socks.port(), "connect-resolved", onion, "127.0.0.1");
        assertTrue(r.stdout().startsWith("OK HTTP/1.1 200 OK | " + onion + "/240."), r.toString());
        assertEquals(0, asked(Socks5CommandType.RESOLVE, onion).size(), "an onion name is never resolved");
        assertEquals(1, asked(Socks5CommandType.CONNECT, onion).size(), socks.requests().toString());
    }

    @Test
    void aNameThatExistsNowhereGivesUnknownHostException() throws Exception {
        String name = "unknown-name" + AgentRoutingTest.SUFFIX;
        ForkedJvm.Result r = run("port=" + socks.port(), "get-by-name", name, "127.0.0.1");
        assertTrue(r.stdout().startsWith("EXC java.net.UnknownHostException: streamiso could not look up [scrubbed] "
                + "through Tor: Tor SocksPort 127.0.0.1:" + socks.port() + " answered host unreachable"), r.toString());
    }

    @Test
    void aLookupWithTheSocksPortDownFailsNamingIt() throws Exception {
        int dead = Canary.deadPort();
        ForkedJvm.Result r = run("port=" + dead, "get-by-name", "down" + AgentRoutingTest.SUFFIX, "127.0.0.1");
        assertTrue(r.stdout().startsWith("EXC java.net.UnknownHostException: streamiso could not look up [scrubbed] "
                + "through Tor: Tor SocksPort 127.0.0.1:" + dead + " refused the connection"), r.toString());
        assertTrue(r.stdout().contains("Is tor running with SocksPort " + dead + "?"), r.toString());
    }

    @Test
    void localAndBypassedNamesUseTheMachinesResolverOnly() throws Exception {
        ForkedJvm.Result local = run("port=" + socks.port(), "get-by-name", "localhost", "127.0.0.1");
        assertEquals("OK localhost/127.0.0.1", local.stdout().trim(), local.toString());
        ForkedJvm.Result lan = run("port=" + socks.port() + ",bypass=127.0.0.0/8+*.lan", "get-by-name", "printer.lan",
                "127.0.0.1");
        assertEquals("OK printer.lan/127.0.0.42", lan.stdout().trim(), lan.toString());
        assertEquals(0, asked(Socks5CommandType.RESOLVE, "printer.lan").size());
        assertTrue(lan.stderr().contains("Allowed by bypass=: 1 lookups with the machine's resolver, which may have "
                + "left the machine."), "the lookup the user allowed is counted at exit: " + lan);
        assertTrue(local.stderr().isEmpty(), "localhost is answered by the agent, not counted: " + local);
        ForkedJvm.Result notBypassed = run("port=" + socks.port(), "get-by-name", "printer.lan", "127.0.0.1");
        assertEquals("OK printer.lan/" + RecordingSocksServer.RESOLVED, notBypassed.stdout().trim(),
                "a name outside the bypass goes to Tor even if the machine knows it: " + notBypassed);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"get-host-name", "get-canonical-host-name"})
    void reverseLookupsAskTorUnderRemoteAndAnswerTheNumericAddressUnderMapped(String path) throws Exception {
        // A reverse lookup sends nothing to the address itself; the JVM's own resolver reads only the hosts file.
        String publicAddress = "198.51.100.7";
        int before = asked(Socks5CommandType.RESOLVE_PTR, publicAddress).size();
        ForkedJvm.Result remote = run("port=" + socks.port(), path, "-", publicAddress);
        assertEquals("OK " + RecordingSocksServer.ptrName(publicAddress), remote.stdout().trim(), remote.toString());
        assertEquals(before + 1, asked(Socks5CommandType.RESOLVE_PTR, publicAddress).size());

        ForkedJvm.Result mapped = run("port=" + socks.port() + ",dns=mapped", path, "-", publicAddress);
        assertEquals("OK " + publicAddress, mapped.stdout().trim(), mapped.toString());
        assertTrue(mapped.stderr().contains("streamiso: streamiso answered the numeric address for a reverse lookup "
                + "of [scrubbed]") && mapped.stderr().contains("[InetAddress.getHostName, called from "
                + DnsUdpClients.class.getName() + ".call]"), mapped.toString());

        // A private address is never named to the exit, not even under dns=remote.
        ForkedJvm.Result lan = run("port=" + socks.port() + ",bypass=none", path, "-", "10.1.2.3");
        assertEquals("OK 10.1.2.3", lan.stdout().trim(), lan.toString());
        assertEquals(0, asked(Socks5CommandType.RESOLVE_PTR, "10.1.2.3").size(), socks.requests().toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"datagram-socket-send", "datagram-socket-connect", "multicast-socket-send",
            "datagram-channel-send", "datagram-channel-connect", "jndi-dns"})
    void everyDatagramApiIsRefusedAndNothingIsSent(String path) throws Exception {
        for (String args : List.of("bypass=none", "udp=none")) {
            ForkedJvm.Result r = fork("port=" + socks.port() + "," + args, List.of(), DnsUdpClients.class, path,
                    "jndi" + AgentRoutingTest.SUFFIX, Integer.toString(udp.port()), "127.0.0.1");
            assertTrue(r.stdout().contains("java.net.SocketException: streamiso refused a UDP datagram to "
                    + "[scrubbed]:" + udp.port() + ": UDP cannot go through Tor"), args + ": " + r);
            assertTrue(r.stderr().contains(", called from " + DnsUdpClients.class.getName() + ".call]"), r.toString());
            assertTrue(r.stderr().contains("streamiso: leak report: refused direct connection=0, UDP datagram="),
                    r.toString());
        }
        Thread.sleep(200);
        assertEquals(0, udp.received(), "the UDP canary receives nothing");
    }

    @Test
    void theJdk17LegacyDatagramImplementationIsRefusedToo() throws Exception {
        assumeTrue(ForkedJvm.feature() == 17, "jdk.net.usePlainDatagramSocketImpl exists only in JDK 17");
        for (String path : List.of("datagram-socket-send", "datagram-socket-connect", "multicast-socket-send")) {
            ForkedJvm.Result r = fork("port=" + socks.port() + ",bypass=none",
                    List.of("-Djdk.net.usePlainDatagramSocketImpl=true"), DnsUdpClients.class, path, "-",
                    Integer.toString(udp.port()), "127.0.0.1");
            assertTrue(r.stdout().startsWith("EXC java.net.SocketException: streamiso refused a UDP datagram"),
                    path + ": " + r);
        }
        Thread.sleep(200);
        assertEquals(0, udp.received(), "the UDP canary receives nothing");
    }

    @Test
    void udpLoopbackLetsLoopbackDatagramsThrough() throws Exception {
        int before = udp.received();
        ForkedJvm.Result r = fork("port=" + socks.port() + ",bypass=none,udp=loopback", List.of(),
                DnsUdpClients.class, "datagram-channel-send", "-", Integer.toString(udp.port()), "127.0.0.1");
        assertEquals("OK sent", r.stdout().trim(), r.toString());
        Thread.sleep(200);
        assertEquals(before + 1, udp.received());
        udp.close();
        udp = new Canary();
    }

    @Test
    void sctpIsRefusedBeforeASocketExists() throws Exception {
        ForkedJvm.Result r = fork("port=" + socks.port(), List.of(), DnsUdpClients.class, "sctp-channel", "-",
                Integer.toString(tcp.port()), "127.0.0.1");
        assumeTrue(!r.stdout().contains("UnsupportedOperationException"), "the JDK's SCTP needs libsctp1: " + r);
        assertTrue(r.stdout().startsWith("EXC " + DnsUdpClients.refusal("sctp-channel", tcp.port())), r.toString());
        assertTrue(r.stderr().contains("[SctpChannel.open, called from " + DnsUdpClients.class.getName()),
                r.toString());
    }

    @Test
    void isReachableDoesNotProbeOutsideTheBypass() throws Exception {
        ForkedJvm.Result r = fork("port=" + socks.port() + ",bypass=none", List.of(), DnsUdpClients.class,
                "is-reachable", "-", Integer.toString(tcp.port()), "127.0.0.1");
        assertTrue(r.stdout().startsWith("EXC java.io.IOException: streamiso refused to probe whether [scrubbed] is "
                + "reachable"), r.toString());
        assertTrue(r.stderr().contains("[InetAddress.isReachable, called from " + DnsUdpClients.class.getName()),
                r.toString());
    }

    @Test
    void nettysNioTransportIsRoutedByName() throws Exception {
        String name = "netty-nio" + AgentRoutingTest.SUFFIX;
        ForkedJvm.Result r = fork("port=" + socks.port(), List.of(), NettyClients.class, "netty-nio", name, "80");
        assertEquals("OK nio HTTP/1.1 200 OK", r.stdout().trim(), r.toString());
        assertEquals(1, asked(Socks5CommandType.CONNECT, name).size(), socks.requests().toString());
    }

    @Test
    void nettysEpollTransportCannotLoadSoNettyFallsBackToNio() throws Exception {
        String name = "netty-best" + AgentRoutingTest.SUFFIX;
        ForkedJvm.Result best = fork("port=" + socks.port(), List.of(), NettyClients.class, "netty-best", name, "80");
        assertEquals("OK nio HTTP/1.1 200 OK", best.stdout().trim(), best.toString());
        assertTrue(best.stderr().contains("streamiso: streamiso refused to load libnetty_transport_native_epoll"),
                best.toString());
        assertEquals(1, asked(Socks5CommandType.CONNECT, name).size(), socks.requests().toString());

        String forced = "netty-epoll" + AgentRoutingTest.SUFFIX;
        ForkedJvm.Result epoll = fork("port=" + socks.port(), List.of(), NettyClients.class, "netty-epoll", forced,
                "80");
        assertTrue(epoll.stdout().startsWith("EXC java.lang.UnsatisfiedLinkError"), epoll.toString());
        assertTrue(epoll.stdout().contains("streamiso refused to load"), epoll.toString());
        assertEquals(0, asked(Socks5CommandType.CONNECT, forced).size(), socks.requests().toString());
    }

    @Test
    void nettyWorksWithoutTheAgent() throws Exception {
        // The control for the two tests above: epoll loads here, so the agent is what stops it.
        ForkedJvm.Result r = ForkedJvm.run(null, List.of(), NettyClients.class, "netty-epoll", "127.0.0.1",
                Integer.toString(web.port()));
        assertEquals("OK epoll HTTP/1.1 200 OK", r.stdout().trim(), r.toString());
    }
}
