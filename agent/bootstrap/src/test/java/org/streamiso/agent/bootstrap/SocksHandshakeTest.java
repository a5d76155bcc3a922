package org.streamiso.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/** The client handshake against recorded server bytes: what it sends, and that it reads no byte too many. */
class SocksHandshakeTest {
    private static final byte[] APP_DATA = {'H', 'T', 'T', 'P'};

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void pipelinesGreetingAndConnectByNameAndLeavesTheApplicationsBytes() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(concat(bytes(5, 0), bytes(5, 0, 0, 1, 0, 0, 0, 0, 0, 0),
                APP_DATA));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Socks5CommandRequest request = SocksHandshake.connectRequest(InetSocketAddress.createUnresolved("web.test", 80));
        Socks5CommandResponse reply = SocksHandshake.connect(Transport.of(in, out), request, null);

        assertTrue(reply.status().isSuccess());
        byte[] expected = concat(bytes(5, 1, 0), bytes(5, 1, 0, 3, 8), "web.test".getBytes(), bytes(0, 80));
        assertArrayEquals(expected, out.toByteArray());
        assertArrayEquals(APP_DATA, in.readAllBytes(), "the application's bytes stay unread");
    }

    @Test
    void sendsRfc1929CredentialsWhenGiven() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(concat(bytes(5, 2), bytes(1, 0),
                bytes(5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 80), APP_DATA));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Socks5CommandRequest request = SocksHandshake.connectRequest(
                new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 443));
        SocksHandshake.connect(Transport.of(in, out), request, new Socks5PasswordAuthRequest("key", "0"));

        byte[] expected = concat(bytes(5, 1, 2), bytes(1, 3, 'k', 'e', 'y', 1, '0'),
                bytes(5, 1, 0, 1, 10, 0, 0, 1, 1, 0xBB));
        assertArrayEquals(expected, out.toByteArray());
        assertArrayEquals(APP_DATA, in.readAllBytes());
    }

    @Test
    void acceptsTorsAnswerToPipelinedCredentialsWithoutTheMethodChoice() throws Exception {
        // tor 0.4.9 keeps one reply buffer: the credentials' status replaces the method choice.
        ByteArrayInputStream in = new ByteArrayInputStream(concat(bytes(1, 0), bytes(5, 0, 0, 1, 0, 0, 0, 0, 0, 0),
                bytes('H')));
        Socks5CommandResponse reply = SocksHandshake.connect(Transport.of(in, new ByteArrayOutputStream()),
                SocksHandshake.connectRequest(InetSocketAddress.createUnresolved("x.test", 80)),
                new Socks5PasswordAuthRequest("key", "0"));
        assertTrue(reply.status().isSuccess());
        assertEquals('H', in.read(), "the application's first byte stays unread");

        ByteArrayInputStream refused = new ByteArrayInputStream(bytes(1, 1));
        IOException e = assertThrows(IOException.class, () -> SocksHandshake.connect(Transport.of(refused,
                new ByteArrayOutputStream()), SocksHandshake.connectRequest(
                        InetSocketAddress.createUnresolved("x.test", 1)), new Socks5PasswordAuthRequest("k", "p")));
        assertTrue(e.getMessage().contains("refused the username/password"), e.getMessage());
        assertTrue(e.getMessage().contains("failure (RFC 1929 status 0x01)"), "the typed status: " + e.getMessage());
    }

    @Test
    void readsOnlyTheBytesEachReplyHasAndWritesOnce() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(concat(bytes(5, 2), bytes(1, 0),
                bytes(5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 80), APP_DATA));
        java.util.List<Integer> reads = new java.util.ArrayList<>();
        java.util.List<Integer> writes = new java.util.ArrayList<>();
        Transport inner = Transport.of(in, new ByteArrayOutputStream());
        Transport recording = new Transport() {
            @Override
            public void write(byte[] bytes) throws IOException {
                writes.add(bytes.length);
                inner.write(bytes);
            }

            @Override
            public void readFully(byte[] into, int offset, int length) throws IOException {
                reads.add(length);
                inner.readFully(into, offset, length);
            }
        };
        SocksHandshake.connect(recording, SocksHandshake.connectRequest(InetSocketAddress.createUnresolved("x.test", 80)),
                new Socks5PasswordAuthRequest("key", "0"));
        assertEquals(java.util.List.of(3 + 7 + 13), writes, "greeting, credentials and request in one write");
        assertEquals(java.util.List.of(2, 2, 5, 5), reads, "choice, status, the reply's head, its name and port");
    }

    @Test
    void sendsTheNameAResolvedAddressWasCreatedWith() throws Exception {
        InetSocketAddress target = new InetSocketAddress(
                InetAddress.getByAddress("named.example", new byte[] {1, 2, 3, 4}), 80);
        Socks5CommandRequest request = SocksHandshake.connectRequest(target);
        assertEquals(Socks5AddressType.DOMAIN, request.dstAddrType());
        assertEquals("named.example", request.dstAddr());
    }

    @Test
    void refusesAServerThatPicksAnotherMethod() {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes(5, 0xFF));
        IOException e = assertThrows(IOException.class, () -> SocksHandshake.connect(Transport.of(in,
                new ByteArrayOutputStream()), SocksHandshake.connectRequest(
                        InetSocketAddress.createUnresolved("x.test", 1)), new Socks5PasswordAuthRequest("k", "p")));
        assertTrue(e.getMessage().contains("none of the offered authentication methods"), e.getMessage());
    }

    @Test
    void reportsAConnectionClosedMidReply() {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes(5, 0, 5, 0, 0));
        assertThrows(SocksHandshake.ClosedDuringHandshake.class, () -> SocksHandshake.connect(Transport.of(in,
                new ByteArrayOutputStream()), SocksHandshake.connectRequest(
                        InetSocketAddress.createUnresolved("x.test", 1)), null));
    }
}
