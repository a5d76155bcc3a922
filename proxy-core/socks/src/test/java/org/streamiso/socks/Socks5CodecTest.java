package org.streamiso.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class Socks5CodecTest {

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void encodesGreetingAsRfc1928Section3() {
        byte[] wire = Socks5Codec.encode(new Socks5InitialRequest(List.of(Socks5AuthMethod.NO_AUTH, Socks5AuthMethod.PASSWORD)));
        assertArrayEquals(bytes(0x05, 0x02, 0x00, 0x02), wire);
    }

    @Test
    void encodesConnectByNameAsDomainname() {
        byte[] wire = Socks5Codec.encode(Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "example.com", 80));
        byte[] expected = new byte[5 + 11 + 2];
        expected[0] = 0x05; expected[1] = 0x01; expected[2] = 0x00; expected[3] = 0x03; expected[4] = 11;
        System.arraycopy("example.com".getBytes(), 0, expected, 5, 11);
        expected[16] = 0x00; expected[17] = 80;
        assertArrayEquals(expected, wire);
    }

    @Test
    void encodesConnectToIpv4AndIpv6Literals() throws Exception {
        assertArrayEquals(bytes(0x05, 0x01, 0x00, 0x01, 10, 0, 0, 1, 0x1F, 0x90),
                Socks5Codec.encode(Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT,
                        InetAddress.getByName("10.0.0.1"), 8080)));
        byte[] v6 = Socks5Codec.encode(Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT,
                InetAddress.getByName("[2001:db8::1]"), 443));
        assertEquals(4 + 16 + 2, v6.length);
        assertEquals(0x04, v6[3]);
        assertEquals(0x20, v6[4]);
        assertEquals(0x01, v6[19]);
        assertEquals(0x01, v6[20]);
        assertEquals((byte) 0xBB, v6[21]);
    }

    @Test
    void encodesRfc1929UsernamePassword() {
        assertArrayEquals(bytes(0x01, 3, 'a', 'b', 'c', 2, 'x', 'y'),
                Socks5Codec.encode(new Socks5PasswordAuthRequest("abc", "xy")));
    }

    @Test
    void encodesTorsResolveAndResolvePtrRequests() {
        // Tor's socks-extensions.txt: RESOLVE (0xF0) carries the name and port 0; RESOLVE_PTR (0xF1) an address.
        assertArrayEquals(bytes(0x05, 0xF0, 0x00, 0x03, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0, 0),
                Socks5Codec.encode(Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, "example.com", 0)));
        assertArrayEquals(bytes(0x05, 0xF1, 0x00, 0x01, 198, 51, 100, 7, 0, 0),
                Socks5Codec.encode(new Socks5CommandRequest(Socks5CommandType.RESOLVE_PTR, Socks5AddressType.IPV4,
                        "198.51.100.7", 0)));
    }

    @Test
    void decodesTorsResolveAndResolvePtrReplies() {
        // RESOLVE answers the address in BND.ADDR; RESOLVE_PTR answers the name as a DOMAINNAME there.
        Socks5CommandResponse address = Socks5Codec.decodeCommandResponse(
                ByteBuffer.wrap(bytes(0x05, 0x00, 0x00, 0x01, 127, 0, 0, 7, 0, 0))).message();
        assertEquals(new Socks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.IPV4, "127.0.0.7", 0),
                address);
        Socks5CommandResponse v6 = Socks5Codec.decodeCommandResponse(ByteBuffer.wrap(bytes(0x05, 0x00, 0x00, 0x04,
                0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0))).message();
        assertEquals(Socks5AddressType.IPV6, v6.bndAddrType());
        assertArrayEquals(Socks5Codec.parseIpv6("2001:db8::1"), Socks5Codec.parseIpv6(v6.bndAddr()));
        Socks5CommandResponse name = Socks5Codec.decodeCommandResponse(ByteBuffer.wrap(bytes(0x05, 0x00, 0x00, 0x03,
                8, 'h', 'o', 's', 't', '.', 't', 'o', 'r', 0, 0))).message();
        assertEquals(new Socks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.DOMAIN, "host.tor", 0),
                name);
        Socks5CommandResponse unknown = Socks5Codec.decodeCommandResponse(
                ByteBuffer.wrap(bytes(0x05, 0x04, 0x00, 0x01, 0, 0, 0, 0, 0, 0))).message();
        assertEquals(Socks5CommandStatus.HOST_UNREACHABLE, unknown.status());
        byte[] torWire = bytes(0x05, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0);
        ByteBuffer torFailure = ByteBuffer.wrap(bytes(0x05, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0x05));
        Socks5CommandResponse torReply = Socks5Codec.decodeCommandResponse(torFailure).message();
        assertEquals(new Socks5CommandResponse(Socks5CommandStatus.HOST_UNREACHABLE, Socks5AddressType.NONE, "0.0.0.0",
                0), torReply, "Tor's failed RESOLVE: ATYP 0x00, 10 bytes");
        assertEquals(10, torFailure.position());
        assertArrayEquals(torWire, Socks5Codec.encode(torReply), "re-encoded as it came");
        assertTrue(Socks5Codec.decodeCommandResponse(ByteBuffer.wrap(bytes(0x05, 0x04, 0x00, 0x00, 0, 0, 0, 1, 0, 0)))
                .isFailed(), "no address means four zero bytes");
        assertTrue(Socks5Codec.decodeCommandRequest(ByteBuffer.wrap(bytes(0x05, 0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 80)))
                .isFailed(), "a request must name an address");
        assertTrue(Socks5Codec.decodeCommandResponse(ByteBuffer.wrap(bytes(0x05, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0)))
                .isFailed(), "a success must name its address type");
    }

    @Test
    void roundTripsEveryMessage() {
        Socks5InitialRequest greeting = new Socks5InitialRequest(List.of(Socks5AuthMethod.PASSWORD));
        assertEquals(greeting, Socks5Codec.decodeInitialRequest(ByteBuffer.wrap(Socks5Codec.encode(greeting))).message());
        Socks5InitialResponse choice = new Socks5InitialResponse(Socks5AuthMethod.UNACCEPTED);
        assertEquals(choice, Socks5Codec.decodeInitialResponse(ByteBuffer.wrap(Socks5Codec.encode(choice))).message());
        Socks5PasswordAuthRequest auth = new Socks5PasswordAuthRequest("key-\u00e9\u00ff", "p");
        assertEquals(auth, Socks5Codec.decodePasswordAuthRequest(ByteBuffer.wrap(Socks5Codec.encode(auth))).message());
        for (Socks5CommandRequest req : List.of(
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.streamiso.test", 65535),
                Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, "a", 0),
                new Socks5CommandRequest(Socks5CommandType.RESOLVE_PTR, Socks5AddressType.IPV4, "127.0.0.1", 0),
                new Socks5CommandRequest(Socks5CommandType.CONNECT, Socks5AddressType.IPV6, "0:0:0:0:0:0:0:1", 22))) {
            assertEquals(req, Socks5Codec.decodeCommandRequest(ByteBuffer.wrap(Socks5Codec.encode(req))).message());
        }
        Socks5CommandResponse reply = new Socks5CommandResponse(Socks5CommandStatus.valueOf((byte) 0xF0),
                Socks5AddressType.DOMAIN, "host.example", 0);
        assertEquals(reply, Socks5Codec.decodeCommandResponse(ByteBuffer.wrap(Socks5Codec.encode(reply))).message());
    }

    @Test
    void asksForExactlyTheMissingBytesAndNeverReadsPastTheReply() {
        byte[] wire = Socks5Codec.encode(new Socks5CommandResponse(Socks5CommandStatus.SUCCESS,
                Socks5AddressType.DOMAIN, "abcdef", 9));
        ByteBuffer in = ByteBuffer.allocate(64);
        int have = 0;
        Socks5Decoded<Socks5CommandResponse> d;
        while (true) {
            in.clear().put(wire, 0, have).flip();
            d = Socks5Codec.decodeCommandResponse(in);
            if (!d.needsMore()) {
                break;
            }
            assertTrue(d.bytesNeeded() > have && d.bytesNeeded() <= wire.length, d.toString());
            assertEquals(0, in.position(), "a partial decode must not consume");
            have = d.bytesNeeded();
        }
        assertTrue(d.isDone());
        assertEquals(wire.length, have);
        assertEquals(wire.length, in.position());
    }

    @Test
    void leavesBytesAfterAMessageInTheBuffer() {
        byte[] two = bytes(0x05, 0x00, 0x01, 0x00);
        ByteBuffer in = ByteBuffer.wrap(two);
        assertTrue(Socks5Codec.decodeInitialResponse(in).isDone());
        assertEquals(2, in.position());
        assertTrue(Socks5Codec.decodePasswordAuthResponse(in).message().isSuccess());
    }

    @Test
    void rejectsUnknownAddressTypeWithAddressTypeNotSupported() {
        Socks5Decoded<Socks5CommandRequest> d =
                Socks5Codec.decodeCommandRequest(ByteBuffer.wrap(bytes(0x05, 0x01, 0x00, 0x09, 1, 2, 3, 4, 0, 80)));
        assertTrue(d.isFailed());
        assertEquals(Socks5CommandStatus.ADDRESS_UNSUPPORTED, d.failureReply());
    }

    @Test
    void rejectsBindAndUdpAssociateWithCommandNotSupported() {
        for (int cmd : new int[] {0x02, 0x03, 0x7F}) {
            Socks5Decoded<Socks5CommandRequest> d =
                    Socks5Codec.decodeCommandRequest(ByteBuffer.wrap(bytes(0x05, cmd, 0x00, 0x01, 1, 2, 3, 4, 0, 80)));
            assertEquals(Socks5CommandStatus.COMMAND_UNSUPPORTED, d.failureReply(), d.toString());
        }
    }

    @Test
    void rejectsSocks4AndGarbageVersions() {
        assertTrue(Socks5Codec.decodeInitialRequest(ByteBuffer.wrap(bytes(0x04, 0x01, 0x00))).isFailed());
        assertTrue(Socks5Codec.decodeInitialRequest(ByteBuffer.wrap(bytes(0x05, 0x00))).isFailed());
        assertTrue(Socks5Codec.decodeCommandResponse(ByteBuffer.wrap(bytes(0x05, 0x00, 0x01, 0x01, 0, 0, 0, 0, 0, 0)))
                .isFailed());
    }

    @Test
    void rejectsHostnameLongerThan255Bytes() {
        String name = "a".repeat(256);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, name, 80));
        assertEquals("DOMAINNAME: 256 bytes (expected: 1-255 bytes)", e.getMessage());
        assertFalse(e.getMessage().contains("aaaa"), "the destination must not appear in the message");
    }

    @Test
    void rejectsAnEmptyDomainnameOnTheWire() {
        assertEquals(Socks5CommandStatus.ADDRESS_UNSUPPORTED,
                Socks5Codec.decodeCommandRequest(ByteBuffer.wrap(bytes(0x05, 0x01, 0x00, 0x03, 0, 0, 80))).failureReply());
    }

    @Test
    void rejectsADomainnameWithBytesAbove0x7FWithAddressTypeNotSupported() {
        // Found by Socks5CodecFuzzTest: "example\u02DCom" in UTF-8 made the decoder throw IllegalArgumentException.
        byte[] wire = bytes(0x05, 0x01, 0x00, 0x03, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0xCB, 0x9C, 'o', 'm', 0x00, 80);
        Socks5Decoded<Socks5CommandRequest> request = Socks5Codec.decodeCommandRequest(ByteBuffer.wrap(wire));
        assertEquals(Socks5CommandStatus.ADDRESS_UNSUPPORTED, request.failureReply(), request.toString());
        wire[1] = 0x00;
        Socks5Decoded<Socks5CommandResponse> reply = Socks5Codec.decodeCommandResponse(ByteBuffer.wrap(wire));
        assertTrue(reply.isFailed(), reply.toString());
        assertFalse(reply.failure().contains("example"), "the destination must not appear in the message");
    }

    @Test
    void encodesInternationalNamesInTheirAceForm() {
        byte[] wire = Socks5Codec.encode(Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "b\u00fccher.example", 80));
        String sent = new String(wire, 5, wire[4]);
        assertEquals("xn--bcher-kva.example", sent);
    }

    @Test
    void keepsUnknownReplyCodesAndNamesTorsExtendedOnes() {
        assertEquals("onion service descriptor not found (SOCKS reply 0xF0)",
                Socks5CommandStatus.valueOf((byte) 0xF0).toString());
        assertEquals("onion service introduction timed out", Socks5CommandStatus.valueOf((byte) 0xF7).description());
        Socks5CommandStatus unknown = Socks5CommandStatus.valueOf((byte) 0x42);
        assertEquals(0x42, unknown.byteValue());
        assertFalse(unknown.isSuccess());
    }

    @Test
    void neverPrintsDestinationsOrKeys() {
        assertFalse(Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "secret.example", 80).toString()
                .contains("secret"));
        assertFalse(new Socks5PasswordAuthRequest("secret", "secret").toString().contains("secret"));
    }

    @Test
    void parsesIpv4LiteralsStrictly() {
        assertArrayEquals(bytes(127, 0, 0, 1), Socks5Codec.parseIpv4("127.0.0.1"));
        for (String bad : new String[] {"127.0.0", "256.1.1.1", "1.2.3.4.5", "a.b.c.d", "1..2.3", ""}) {
            assertEquals(null, Socks5Codec.parseIpv4(bad), bad);
        }
    }
}
