package org.streamiso.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
            return InetAddress.getByAddress(Bypass.literal(literal));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static Router router(String bypass, AgentConfig.Udp udp, NameTable names) {
        return new Router(new AgentConfig(SOCKS, Bypass.parse(bypass), AgentConfig.Dns.REMOTE, udp, Log.Level.WARN,
                true, null), names);
    }

    @Test
    void anAddressTorAnsweredGoesByNameEvenWhenItIsBypassed() throws Exception {
        NameTable names = new NameTable(8);
        Router r = router(Bypass.LOOPBACK, AgentConfig.Udp.BYPASS, names);
        InetAddress answer = InetAddress.getByAddress("web.example", Bypass.literal("127.0.0.7"));
        names.rememberRemote("web.example", answer);
        InetSocketAddress routed = r.routeOrNull(new InetSocketAddress(answer, 80));
        assertTrue(routed.isUnresolved());
        assertEquals("web.example", routed.getHostString());

        InetAddress sameBytesOtherName = InetAddress.getByAddress("printer.lan", Bypass.literal("127.0.0.7"));
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
    void onlyLocalhostTheOwnNameAndBypassedNamesAreLocalAndNoOnionEver() {
        Router r = router(Bypass.LOOPBACK + "+*.lan", AgentConfig.Udp.BYPASS, new NameTable(4));
        assertTrue(r.isLocalName("localhost"));
        assertTrue(r.isLocalName("LOCALHOST."));
        assertTrue(r.isLocalName("printer.lan"));
        assertFalse(r.isLocalName("example.com"));
        assertFalse(r.isLocalName("localhost.onion"));
        assertFalse(r.isLocalName("x.lan.onion"));
        assertThrows(IllegalArgumentException.class, () -> Bypass.parse("*.onion"));
    }
}
