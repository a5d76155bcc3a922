package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static final InetSocketAddress SOCKS = new InetSocketAddress(ip("127.0.0.1"), 9050);

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByAddress(Socks5Address.parseLiteralIgnoringZone(literal));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static Router router(String bypass, AgentConfig.Udp udp, NameTable names) {
        AgentConfig config = new AgentConfig(SOCKS, Bypass.parse(bypass), AgentConfig.Dns.REMOTE, udp, Log.Level.WARN,
                true, "test", java.util.Set.of(), null, AgentConfig.DEFAULT_TIMEOUT_SECONDS, true,
                ChildProcesses.Exec.INHERIT, "");
        return new Router(config, new Isolation("test", java.util.Set.of(), null, h -> null), names);
    }

    @Test
    void anAddressTorAnsweredGoesByNameEvenWhenItIsBypassed() throws Exception {
        NameTable names = new NameTable(8);
        Router r = router(Bypass.LOOPBACK, AgentConfig.Udp.BYPASS, names);
        InetAddress answer = InetAddress.getByAddress("web.example", Socks5Address.parseLiteralIgnoringZone("127.0.0.7"));
        names.rememberRemote("web.example", answer);
        InetSocketAddress routed = r.routeOrNull(new InetSocketAddress(answer, 80));
        assertTrue(routed.isUnresolved());
        assertEquals("web.example", routed.getHostString());

        InetAddress sameBytesOtherName = InetAddress.getByAddress("printer.lan", Socks5Address.parseLiteralIgnoringZone("127.0.0.7"));
        assertNull(r.routeOrNull(new InetSocketAddress(sameBytesOtherName, 80)), "a name Tor never answered: bypassed");
        assertNull(r.routeOrNull(new InetSocketAddress(ip("127.0.0.7"), 80)));
    }

    @Test
    void aPlaceholderGoesByItsNameAndAStaleOneFails() throws Exception {
        NameTable names = new NameTable(1);
        Router r = router(Bypass.LOOPBACK, AgentConfig.Udp.BYPASS, names);
        InetAddress onion = names.placeholder("abc.onion", false);
        InetSocketAddress routed = r.routeOrNull(new InetSocketAddress(InetAddress.getByAddress(onion.getAddress()), 443));
        assertEquals("abc.onion", routed.getHostString());
        assertEquals(443, routed.getPort());

        names.placeholder("other.example", false);
        ConnectException stale = assertThrows(ConnectException.class,
                () -> r.routeOrNull(new InetSocketAddress(onion, 443)));
        assertTrue(stale.getMessage().contains("no longer stands for a name"), stale.getMessage());
    }

    @Test
    void placeholdersAreNeverBypassedNorSentADatagram() {
        Router r = router("0.0.0.0/0+::/0", AgentConfig.Udp.LOOPBACK, new NameTable(4));
        assertFalse(r.allowsDirect(ip("240.0.0.1"), 80));
        assertFalse(r.allowsDatagram(ip("240.0.0.1")));
        assertTrue(r.allowsDirect(ip("10.1.2.3"), 80));
    }

    @Test
    void datagramsGoOnlyWhereTheUdpArgumentSays() {
        Router bypassOnly = router("10.0.0.0/8", AgentConfig.Udp.BYPASS, new NameTable(4));
        assertTrue(bypassOnly.allowsDatagram(ip("10.0.0.53")));
        assertFalse(bypassOnly.allowsDatagram(ip("127.0.0.1")));
        assertFalse(bypassOnly.allowsDatagram(ip("192.0.2.53")));
        Router loopback = router("none", AgentConfig.Udp.LOOPBACK, new NameTable(4));
        assertTrue(loopback.allowsDatagram(ip("127.0.0.1")));
        assertTrue(loopback.allowsDatagram(ip("::1")));
        assertFalse(loopback.allowsDatagram(ip("10.0.0.53")));
        Router none = router(Bypass.LOOPBACK, AgentConfig.Udp.NONE, new NameTable(4));
        assertFalse(none.allowsDatagram(ip("127.0.0.1")));
    }

    @Test
    void localhostInAnyCaseAndDottedLiteralsAreAnsweredLocallyAndOnlyBypassedNamesGoToTheResolver() {
        Router r = router(Bypass.LOOPBACK + "+*.lan", AgentConfig.Udp.BYPASS, new NameTable(4));
        assertTrue(Router.isLocalhost("localhost"));
        assertTrue(Router.isLocalhost("LOCALHOST."));
        assertTrue(Router.isLocalhost("localhost."));
        assertFalse(Router.isLocalhost("localhost.example"));
        assertArrayEquals(new byte[] {127, 0, 0, 1}, Router.dottedLiteral("127.0.0.1."));
        assertNull(Router.dottedLiteral("127.0.0.1"), "a plain literal never reaches the resolver");
        assertNull(Router.dottedLiteral("example.com."));
        assertTrue(r.isBypassedName("printer.lan"));
        assertTrue(r.isBypassedName("printer.lan."));
        assertFalse(r.isBypassedName("example.com"));
        assertFalse(r.isBypassedName("localhost.onion"));
        assertFalse(r.isBypassedName("x.lan.onion"));
        assertThrows(IllegalArgumentException.class, () -> Bypass.parse("*.onion"));
    }

    @Test
    void bypassNoneRoutesLoopbackWhateverAnsweredIt() throws Exception {
        Router r = router("none", AgentConfig.Udp.BYPASS, new NameTable(4));
        InetAddress[] localhost = LocalNames.loopback("localhost", Lookups.IPV4 | Lookups.IPV6);
        assertEquals("localhost/127.0.0.1", localhost[0].toString());
        InetSocketAddress routed = r.routeOrNull(new InetSocketAddress(localhost[0], 8080));
        assertEquals(new InetSocketAddress(ip("127.0.0.1"), 8080), routed);
        assertFalse(r.allowsDirect(ip("127.0.0.1"), 8080));
    }

    @Test
    void linkLocalDestinationsAndZonedNamesAreRefusedUnlessBypassed() throws Exception {
        Router r = router(Bypass.LOOPBACK, AgentConfig.Udp.BYPASS, new NameTable(4));
        for (InetSocketAddress a : new InetSocketAddress[] {
                new InetSocketAddress(InetAddress.getByName("fe80::1%1"), 80),
                new InetSocketAddress(ip("fe80::abcd"), 80),
                new InetSocketAddress(ip("169.254.169.254"), 80),
                InetSocketAddress.createUnresolved("fe80::1", 80),
                InetSocketAddress.createUnresolved("fe80::1%enx001122334455", 80),
                InetSocketAddress.createUnresolved("2001:db8::1%eth0", 80)}) {
            ConnectException e = assertThrows(ConnectException.class, () -> r.routeOrNull(a), a.toString());
            assertTrue(e.getMessage().startsWith("streamiso refused a connection to [scrubbed]:80, a"), e.getMessage());
            assertFalse(e.getMessage().contains("enx"), e.getMessage());
        }
        Router lan = router("fe80::/10+169.254.0.0/16", AgentConfig.Udp.BYPASS, new NameTable(4));
        assertNull(lan.routeOrNull(new InetSocketAddress(ip("fe80::abcd"), 80)));
        assertNull(lan.routeOrNull(InetSocketAddress.createUnresolved("169.254.1.1", 80)));
    }

    @Test
    void aRoutedConnectionReportsTheDestinationItWasAskedForNeverTheSocksPort() throws Exception {
        NameTable names = new NameTable(4);
        Router r = router(Bypass.LOOPBACK, AgentConfig.Udp.BYPASS, names);
        InetSocketAddress byName = r.reportedPeer(InetSocketAddress.createUnresolved("web.example", 443));
        assertEquals("web.example", byName.getHostString());
        assertEquals(443, byName.getPort());
        assertEquals("web.example", byName.getAddress().getHostName(), "keeps the name: no reverse lookup");
        assertTrue(NameTable.isPlaceholder(byName.getAddress().getAddress()));
        assertEquals("web.example", r.routeOrNull(byName).getHostString(), "connecting to it goes by name again");
        InetAddress answer = InetAddress.getByAddress("web.example", Socks5Address.parseLiteralIgnoringZone("198.51.100.7"));
        InetSocketAddress asked = new InetSocketAddress(answer, 21);
        assertSame(asked, r.reportedPeer(asked));
        assertEquals("198.51.100.7", r.reportedPeer(InetSocketAddress.createUnresolved("198.51.100.7", 21))
                .getAddress().getHostAddress());
    }

    @Test
    void theMachinesOwnNameNeverTravelsToTorAndItsOtherAddressesAreRefused() throws Exception {
        Router r = router("none", AgentConfig.Udp.BYPASS, new NameTable(4));
        String own = r.ownHostName();
        ConnectException byName = assertThrows(ConnectException.class,
                () -> r.routeOrNull(InetSocketAddress.createUnresolved(own, 80)));
        assertTrue(byName.getMessage().contains("this machine's own name"), byName.getMessage());
        InetAddress loopbackAnswer = InetAddress.getByAddress(own, Socks5Address.parseLiteralIgnoringZone("127.0.1.1"));
        r.rememberOwnName(new InetAddress[] {loopbackAnswer});
        InetSocketAddress routed = r.routeOrNull(new InetSocketAddress(loopbackAnswer, 80));
        assertEquals("127.0.1.1", routed.getHostString(), "the address, never the name");
        InetAddress lanAnswer = InetAddress.getByAddress(own, Socks5Address.parseLiteralIgnoringZone("10.9.8.7"));
        r.rememberOwnName(new InetAddress[] {lanAnswer});
        ConnectException lan = assertThrows(ConnectException.class,
                () -> r.routeOrNull(new InetSocketAddress(lanAnswer, 80)));
        assertTrue(lan.getMessage().contains("an address of this machine"), lan.getMessage());
        InetAddress localhost = LocalNames.loopback("localhost", Lookups.IPV4)[0];
        assertEquals("127.0.0.1", r.routeOrNull(new InetSocketAddress(localhost, 80)).getHostString());
    }

    @Test
    void aLinkLocalLiteralWithTheRootDotIsRefusedToo() {
        Router r = router(Bypass.LOOPBACK, AgentConfig.Udp.BYPASS, new NameTable(4));
        assertThrows(ConnectException.class,
                () -> r.routeOrNull(InetSocketAddress.createUnresolved("169.254.169.254.", 80)));
    }
}
