package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class NameTableTest {

    @Test
    void givesEachNameOnePlaceholderThatKeepsTheName() {
        NameTable t = new NameTable(16);
        InetAddress a = t.placeholder("Web.Example", false);
        assertEquals("Web.Example", a.getHostName());
        assertEquals(0xF0, a.getAddress()[0] & 0xF0, "from 240.0.0.0/4: " + a);
        assertArrayEquals(a.getAddress(), t.placeholder("web.example.", false).getAddress(), "case and root dot");
        assertNotEquals(a, t.placeholder("other.example", false));
        assertEquals("Web.Example", t.nameOf(a.getAddress()));
    }

    @Test
    void ipv6PlaceholdersComeFromTheDiscardPrefixWithTheSameIndex() {
        NameTable t = new NameTable(16);
        InetAddress v4 = t.placeholder("a.example", false);
        InetAddress v6 = t.placeholder("a.example", true);
        assertTrue(v6 instanceof Inet6Address, v6.toString());
        assertEquals(0x01, v6.getAddress()[0]);
        assertEquals(0x00, v6.getAddress()[1]);
        assertEquals("a.example", t.nameOf(v6.getAddress()));
        byte[] b4 = v4.getAddress();
        byte[] b6 = v6.getAddress();
        assertEquals(b4[3], b6[15]);
    }

    @Test
    void recognisesTheRangesAndNothingElse() throws Exception {
        assertTrue(NameTable.isPlaceholder(Socks5Address.parseLiteralIgnoringZone("240.0.0.9")));
        assertTrue(NameTable.isPlaceholder(Socks5Address.parseLiteralIgnoringZone("255.255.255.254")));
        assertTrue(NameTable.isPlaceholder(Socks5Address.parseLiteralIgnoringZone("::ffff:240.1.2.3")), "the dual-stack form");
        assertTrue(NameTable.isPlaceholder(Socks5Address.parseLiteralIgnoringZone("100::5")));
        assertFalse(NameTable.isPlaceholder(Socks5Address.parseLiteralIgnoringZone("239.255.255.255")));
        assertFalse(NameTable.isPlaceholder(Socks5Address.parseLiteralIgnoringZone("127.0.0.1")));
        assertFalse(NameTable.isPlaceholder(Socks5Address.parseLiteralIgnoringZone("100:0:0:1::5")));
        assertFalse(NameTable.isPlaceholder(Socks5Address.parseLiteralIgnoringZone("2001:db8::1")));
        assertNull(new NameTable(4).nameOf(Socks5Address.parseLiteralIgnoringZone("10.0.0.1")));
    }

    @Test
    void dropsTheLeastRecentlyUsedNameAndNeverHandsItsAddressToAnother() {
        NameTable t = new NameTable(3);
        byte[] a = t.placeholder("a", false).getAddress();
        byte[] b = t.placeholder("b", false).getAddress();
        t.placeholder("c", false);
        assertEquals("a", t.nameOf(a), "a connect is a use: now b is the eldest");
        byte[] d = t.placeholder("d", false).getAddress();
        assertNull(t.nameOf(b), "b was dropped");
        assertEquals("a", t.nameOf(a));
        assertEquals("d", t.nameOf(d));
        byte[] bAgain = t.placeholder("b", false).getAddress();
        assertFalse(java.util.Arrays.equals(b, bAgain), "a new index, so the old placeholder of b stays dead");
        for (int i = 0; i < 1000; i++) {
            t.placeholder("n" + i, false);
        }
        assertEquals(3, t.size(), "bounded");
        assertNull(t.nameOf(b), "an index is not used again before the range wraps");
    }

    @Test
    void remembersTorsAnswersByNameAndAddressTogether() throws Exception {
        NameTable t = new NameTable(2);
        InetAddress answer = InetAddress.getByAddress("web.example", Socks5Address.parseLiteralIgnoringZone("127.0.0.7"));
        t.rememberRemote("web.example", answer);
        assertTrue(t.isRemoteAnswer("WEB.example.", answer));
        assertFalse(t.isRemoteAnswer("other.example", answer));
        assertFalse(t.isRemoteAnswer("web.example", InetAddress.getByAddress(Socks5Address.parseLiteralIgnoringZone("127.0.0.8"))));
        t.rememberRemote("b", answer);
        t.rememberRemote("c", answer);
        assertFalse(t.isRemoteAnswer("web.example", answer), "bounded: the eldest answer was dropped");
    }
}
