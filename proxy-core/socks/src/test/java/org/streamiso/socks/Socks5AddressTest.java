package org.streamiso.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamiso.socks.Socks5ClientHandshakeTest.bytes;
import static org.streamiso.socks.Socks5ClientHandshakeTest.concat;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The address type: literals parsed without a resolver, {@code host:port} for messages, the SOCKS address field. */
class Socks5AddressTest {

    @Test
    void parsesLiteralsAndTakesAnythingElseAsAName() throws Exception {
        assertEquals(Socks5AddressType.IPV4, Socks5Address.parse("10.0.0.1", 80).type());
        Socks5Address v6 = Socks5Address.parse("[2001:db8::1]", 443);
        assertEquals(Socks5AddressType.IPV6, v6.type());
        assertArrayEquals(InetAddress.getByName("2001:db8::1").getAddress(), v6.literal());
        assertEquals(v6, Socks5Address.parse("2001:DB8:0:0:0:0:0:1", 443), "one address, however written");
        Socks5Address name = Socks5Address.parse("web.streamiso.test", 80);
        assertTrue(name.isName());
        assertNull(name.literal());
        // A dotted name that is no quad stays a name: the SocksPort resolves it, never this JVM.
        assertTrue(Socks5Address.parse("1.2.3.4.example", 80).isName());
        assertTrue(Socks5Address.parse("999.1.1.1", 80).isName());
    }

    @Test
    void parsesEveryIpv6TextFormDigitByDigit() throws Exception {
        String[] valid = {"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "fe80::1:2",
            "::ffff:192.0.2.1", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:1.2.3.4", "ABCD:ef01::", "[::1]"};
        for (String s : valid) {
            String bare = s.startsWith("[") ? s : "[" + s + "]";
            byte[] expected = InetAddress.getByName(bare).getAddress();
            byte[] parsed = Socks5Address.parseLiteral(s);
            if (expected.length == 4) { // the JDK gives an IPv4-mapped literal back as IPv4; SOCKS keeps 16 bytes
                assertArrayEquals(concat(new byte[10], bytes(0xFF, 0xFF), expected), parsed, s);
            } else {
                assertArrayEquals(expected, parsed, s);
            }
        }
        String[] invalid = {":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::1",
            "1::2:", ":1::2", "::1.2.3", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "[::1", "::1]", "[]",
            "fe80::1%eth0", "fe80::1%", "\u0661::1", "::\uff11", ""};
        for (String s : invalid) {
            assertNull(Socks5Address.parseLiteral(s), s);
        }
        assertThrows(IllegalArgumentException.class, () -> Socks5Address.parse("fe80::1%eth0", 80),
                "a zone never reaches the SocksPort");
        assertThrows(IllegalArgumentException.class, () -> Socks5Address.parse("not:a:literal", 80));
        // The codec's parser for the agent's bypass list drops a zone, as before, and still never resolves.
        assertArrayEquals(Socks5Address.parseLiteral("fe80::1"), Socks5Codec.parseIpv6("fe80::1%eth0"));
        assertArrayEquals(Socks5Address.parseLiteral("fe80::1"), Socks5Codec.parseIpv6("[fe80::1%no-such-if]"));
    }

    @Test
    void formatsHostAndPortWithIpv6Brackets() {
        assertEquals("[2001:db8:0:0:0:0:0:1]:443", Socks5Address.parse("2001:db8::1", 443).text());
        assertEquals("10.0.0.1:80", Socks5Address.parse("10.0.0.1", 80).text());
        assertEquals("web.test:80", Socks5Address.ofName("web.test", 80).text());
        assertEquals("[::1]:9050", Socks5Address.format("::1", 9050));
        assertEquals("[::1]:9050", Socks5Address.format("[::1]", 9050));
        assertEquals("127.0.0.1:9050", Socks5Address.format("127.0.0.1", 9050));
        assertFalse(Socks5Address.ofName("secret.example", 80).toString().contains("secret"),
                "toString scrubs the host");
    }

    @Test
    void encodesAndDecodesTheAddressFieldAsRfc1928Writes() throws Exception {
        assertArrayEquals(bytes(1, 10, 0, 0, 1, 0, 80), Socks5Address.parse("10.0.0.1", 80).encode());
        assertArrayEquals(concat(bytes(3, 8), "web.test".getBytes(), bytes(0x1F, 0x90)),
                Socks5Address.ofName("web.test", 8080).encode());
        assertArrayEquals(bytes(4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0xBB),
                Socks5Address.parse("2001:db8::1", 443).encode());
        for (Socks5Address a : new Socks5Address[] {Socks5Address.parse("10.0.0.1", 80),
            Socks5Address.ofName("web.test", 8080), Socks5Address.parse("2001:db8::1", 443)}) {
            ByteBuffer in = ByteBuffer.wrap(concat(a.encode(), bytes('x')));
            Socks5Decoded<Socks5Address> d = Socks5Address.decode(in);
            assertEquals(a, d.message());
            assertEquals(1, in.remaining(), "stops after the port");
        }
        assertEquals(2, Socks5Address.decode(ByteBuffer.allocate(0)).bytesNeeded());
        assertEquals(13, Socks5Address.decode(ByteBuffer.wrap(bytes(3, 9))).bytesNeeded(), "ATYP, length, 9, port");
        assertEquals(Socks5CommandStatus.ADDRESS_UNSUPPORTED,
                Socks5Address.decode(ByteBuffer.wrap(bytes(0, 0, 0, 0, 0, 0, 0))).failureReply());
        assertEquals(Socks5Address.parse("127.0.0.1", 80),
                Socks5Address.of(InetAddress.getByAddress("named.example", bytes(127, 0, 0, 1)), 80),
                "an InetAddress gives its bytes, never its name");
        assertThrows(IllegalArgumentException.class, () -> Socks5Address.ofName("a".repeat(256), 80));
        assertThrows(IllegalArgumentException.class, () -> Socks5Address.parse("web.test", 65536));
        assertThrows(IllegalArgumentException.class, () -> Socks5Address.ofLiteral(new byte[5], 80));
    }

    @Test
    void typesTheRfc1929StatusAsReplyCodesAre() {
        assertTrue(Socks5PasswordAuthStatus.valueOf((byte) 0).isSuccess());
        assertEquals(Socks5PasswordAuthStatus.FAILURE, Socks5PasswordAuthStatus.valueOf((byte) 1));
        Socks5PasswordAuthStatus other = Socks5PasswordAuthStatus.valueOf((byte) 0x7F);
        assertFalse(other.isSuccess(), "any status but 0x00 is a failure");
        assertEquals(0x7F, other.byteValue(), "an unknown code is kept");
        assertEquals("failure (RFC 1929 status 0x01)", Socks5PasswordAuthStatus.FAILURE.toString());
        assertEquals("failure (RFC 1929 status 0xFE)", Socks5PasswordAuthStatus.valueOf((byte) 0xFE).toString());
        assertEquals(Socks5PasswordAuthStatus.FAILURE, new Socks5PasswordAuthResponse((byte) 1).authStatus());
        assertArrayEquals(bytes(1, 0), Socks5Codec.encode(Socks5PasswordAuthResponse.of(Socks5PasswordAuthStatus.SUCCESS)));
    }
}
