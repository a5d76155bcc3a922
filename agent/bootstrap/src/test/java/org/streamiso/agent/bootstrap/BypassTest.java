package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class BypassTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByAddress(Socks5Address.parseLiteralIgnoringZone(literal));
    }

    @Test
    void defaultsToLoopbackOnly() throws Exception {
        Bypass b = Bypass.parse(Bypass.LOOPBACK);
        assertTrue(b.matchesAddress(ip("127.0.0.1")));
        assertTrue(b.matchesAddress(ip("127.255.0.9")));
        assertTrue(b.matchesAddress(ip("::1")));
        assertTrue(b.matchesAddress(ip("::ffff:127.0.0.1")));
        assertFalse(b.matchesAddress(ip("128.0.0.1")));
        assertFalse(b.matchesAddress(ip("10.0.0.1")));
        assertTrue(b.matchesName("localhost"));
        assertTrue(b.matchesName("LOCALHOST."));
        assertFalse(b.matchesName("localhost.evil.example"));
        assertTrue(b.matchesName("127.0.0.1"));
    }

    @Test
    void noneBypassesNothing() throws Exception {
        Bypass b = Bypass.parse("none");
        assertTrue(b.isEmpty());
        assertFalse(b.matchesAddress(ip("127.0.0.1")));
        assertFalse(b.matchesName("localhost"));
    }

    @Test
    void matchesCidrBlocksBitByBit() throws Exception {
        Bypass b = Bypass.parse("10.20.0.0/14+fd00::/8");
        assertTrue(b.matchesAddress(ip("10.23.255.255")));
        assertFalse(b.matchesAddress(ip("10.24.0.0")));
        assertTrue(b.matchesAddress(ip("fd12::1")));
        assertFalse(b.matchesAddress(ip("fe80::1")));
    }

    @Test
    void matchesDomainSuffixesButNotTheBareSuffix() {
        Bypass b = Bypass.parse("*.internal+printer");
        assertTrue(b.matchesName("wiki.internal"));
        assertFalse(b.matchesName("internal"));
        assertFalse(b.matchesName("wiki.internal.example"));
        assertTrue(b.matchesName("printer"));
    }

    @Test
    void rejectsBadEntriesNamingTheListAndTheForms() {
        for (String bad : new String[] {"10.0.0.0/33", "10.0.0.0/x", "a b", "", "127.0.0.1++::1", "host/8"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bypass.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("bypass: \"" + bad + "\" (expected: none, or CIDR blocks"), e.getMessage());
        }
    }
}
