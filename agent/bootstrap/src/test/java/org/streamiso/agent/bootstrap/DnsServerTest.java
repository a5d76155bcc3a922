package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.streamiso.dns.DnsMessages;

/**
 * The in-JVM DNS server's decisions and answers without sockets: which destinations it answers, and the replies to
 * queries under {@code dns=mapped} (no SocksPort needed); the datagram paths are {@code DnsServerLeakTest}'s.
 */
class DnsServerTest {
    private static final InetSocketAddress SOCKS = new InetSocketAddress("127.0.0.1", 9);

    private static Router router(String bypass, AgentConfig.Dns dns) {
        AgentConfig config = new AgentConfig(SOCKS, Bypass.parse(bypass), dns, AgentConfig.Udp.BYPASS, Log.Level.WARN,
                true, "test", java.util.Set.of(), null, AgentConfig.DEFAULT_TIMEOUT_SECONDS, true,
                ChildProcesses.Exec.INHERIT, "");
        return new Router(config, new Isolation("test", java.util.Set.of(), null, h -> null), new NameTable(8));
    }

    private static InetSocketAddress at(String literal, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByAddress(Socks5Address.parseLiteralIgnoringZone(literal)), port);
    }

    @Test
    void answersPort53OutsideTheBypassOnly() throws Exception {
        DnsServer dns = router(Bypass.LOOPBACK, AgentConfig.Dns.REMOTE).dnsServer();
        assertTrue(dns.answers(at("10.53.0.1", 53)));
        assertTrue(dns.answers(at("2001:db8::53", 53)));
        assertFalse(dns.answers(at("10.53.0.1", 5353)));
        assertTrue(dns.answers(at("127.0.0.53", 53)), "a loopback stub resolver is answered under the default bypass");
        assertFalse(dns.answers(at("127.0.0.1", 9)), "the SocksPort is never a nameserver");
        assertFalse(router("127.0.0.0/8", AgentConfig.Dns.REMOTE).dnsServer().answers(at("127.0.0.53", 53)),
                "a bypass that names loopback itself sends it there");
        assertTrue(router("none", AgentConfig.Dns.REMOTE).dnsServer().answers(at("127.0.0.53", 53)));
        InetSocketAddress other = at("127.0.0.1", 4000);
        assertSame(other, dns.reported(other), "an address that is no responder is reported as it is");
    }

    @Test
    void answersAAaaaAndErrorsUnderMapped() throws Exception {
        Router r = router("none", AgentConfig.Dns.MAPPED);
        DnsServer dns = r.dnsServer();
        Isolation.Origin origin = Isolation.Origin.current();
        byte[] qa = DnsMessages.query(1, "web.example", DnsMessages.TYPE_A, -1);
        byte[] a = dns.answer(qa, qa.length, 512, origin);
        assertEquals(0, a[3] & 0xf, "NOERROR");
        assertEquals(1, a[7], "one answer");
        assertEquals(0xF0, a[a.length - 4] & 0xF0, "a placeholder from 240.0.0.0/4");
        assertEquals("web.example", r.names().nameOf(java.util.Arrays.copyOfRange(a, a.length - 4, a.length)));

        byte[] qaaaa = DnsMessages.query(2, "web.example", DnsMessages.TYPE_AAAA, -1);
        byte[] aaaa = dns.answer(qaaaa, qaaaa.length, 512, origin);
        assertEquals(1, aaaa[7]);
        assertEquals(1, aaaa[aaaa.length - 16], "a placeholder from 100::/64");

        byte[] mx = DnsMessages.query(3, "web.example", 15, -1);
        assertEquals(DnsMessages.NOTIMP, dns.answer(mx, mx.length, 512, origin)[3] & 0xf);
        byte[] root = DnsMessages.query(4, "", DnsMessages.TYPE_A, -1);
        assertEquals(DnsMessages.NXDOMAIN, dns.answer(root, root.length, 512, origin)[3] & 0xf);
        byte[] localhost = DnsMessages.query(5, "LOCALHOST.", DnsMessages.TYPE_A, -1);
        byte[] lo = dns.answer(localhost, localhost.length, 512, origin);
        assertEquals(127, lo[lo.length - 4], "localhost is the agent's own answer, never a placeholder");
        byte[] ptr = DnsMessages.query(6, "7.0.0.10.in-addr.arpa", DnsMessages.TYPE_PTR, -1);
        assertEquals(DnsMessages.NXDOMAIN, dns.answer(ptr, ptr.length, 512, origin)[3] & 0xf,
                "no reverse lookup of an address outside the table under dns=mapped");
        assertNull(dns.answer(new byte[] {1}, 1, 512, origin), "no reply without an ID");
        assertEquals(DnsMessages.SERVFAIL, dns.answer(qa, qa.length, 512, Isolation.Origin.unknown())[3] & 0xf,
                "a query whose sender was not seen gets no answer under a key of somebody's");
    }

    @Test
    void theTtlIsTheJdksCacheTtl() {
        String before = System.getProperty("sun.net.inetaddr.ttl");
        try {
            System.setProperty("sun.net.inetaddr.ttl", "7");
            assertEquals(java.security.Security.getProperty("networkaddress.cache.ttl") == null ? 7
                    : Long.parseLong(java.security.Security.getProperty("networkaddress.cache.ttl")), DnsServer.ttl());
            System.setProperty("sun.net.inetaddr.ttl", "-1");
            assertTrue(java.security.Security.getProperty("networkaddress.cache.ttl") != null
                    || DnsServer.ttl() == Integer.MAX_VALUE, "forever is the longest TTL DNS has");
        } finally {
            if (before == null) {
                System.clearProperty("sun.net.inetaddr.ttl");
            } else {
                System.setProperty("sun.net.inetaddr.ttl", before);
            }
        }
    }
}
