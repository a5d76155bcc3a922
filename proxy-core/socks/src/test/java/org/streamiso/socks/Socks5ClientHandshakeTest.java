package org.streamiso.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The client handshake against server bytes written out by hand (RFC 1928, RFC 1929, Tor's socks-extensions): what
 * it sends, in which steps, that it asks for exactly the bytes of each reply, and every way it fails.
 */
class Socks5ClientHandshakeTest {
    private static final Socks5CommandRequest CONNECT_WEB =
            Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.test", 80);
    private static final Socks5PasswordAuthRequest KEY = new Socks5PasswordAuthRequest("key", "0");
    private static final byte[] GREETING_PASSWORD = bytes(5, 1, 2);
    private static final byte[] GREETING_NO_AUTH = bytes(5, 1, 0);
    private static final byte[] AUTH_KEY = bytes(1, 3, 'k', 'e', 'y', 1, '0');
    private static final byte[] CONNECT_WEB_BYTES = concat(bytes(5, 1, 0, 3, 8), "web.test".getBytes(), bytes(0, 80));
    private static final byte[] SUCCESS_V4 = bytes(5, 0, 0, 1, 10, 0, 0, 1, 0x1F, 0x90);
    private static final byte[] APP_DATA = {'H', 'T', 'T', 'P'};

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** What a blocking driver saw: everything sent, the last step, and the bytes left unread. */
    private static final class Run {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        Socks5Step<Socks5CommandResponse> last;
        byte[] unread;
        int reads;
        boolean pastAuthentication;
    }

    /**
     * Drives {@code handshake} as the agent does: it sends what it is told and reads exactly the missing bytes from
     * {@code server}, never more.
     */
    private static Run drive(Socks5ClientHandshake handshake, byte[] server) {
        Run run = new Run();
        byte[] buf = new byte[Socks5ClientHandshake.MAX_MESSAGE];
        ByteBuffer in = ByteBuffer.wrap(buf, 0, 0);
        int offset = 0;
        while (true) {
            Socks5Step<Socks5CommandResponse> step = handshake.next(in);
            if (step.isSend()) {
                run.sent.writeBytes(step.bytes());
                continue;
            }
            if (step.needsMore()) {
                int have = in.remaining();
                assertTrue(step.bytesNeeded() > have, step.toString());
                assertTrue(step.bytesNeeded() <= buf.length, step.toString());
                System.arraycopy(buf, in.position(), buf, 0, have);
                int want = step.bytesNeeded() - have;
                if (offset + want > server.length) {
                    run.last = step;
                    run.unread = new byte[0];
                    return run;
                }
                System.arraycopy(server, offset, buf, have, want);
                offset += want;
                run.reads++;
                in = ByteBuffer.wrap(buf, 0, step.bytesNeeded());
                continue;
            }
            run.last = step;
            run.pastAuthentication = handshake.pastAuthentication();
            byte[] rest = new byte[in.remaining() + server.length - offset];
            in.get(rest, 0, in.remaining());
            System.arraycopy(server, offset, rest, rest.length - (server.length - offset), server.length - offset);
            run.unread = rest;
            return run;
        }
    }

    /** Feeds {@code server} to the handshake in pieces of {@code chunk} bytes, as a selector loop's reads come. */
    private static Socks5Step<Socks5CommandResponse> feedInChunks(Socks5ClientHandshake handshake, byte[] server,
            int chunk, ByteBuffer buffer) {
        Socks5Step<Socks5CommandResponse> step = handshake.next(buffer.flip());
        assertTrue(step.isSend());
        buffer.compact();
        int offset = 0;
        while (true) {
            buffer.flip();
            step = handshake.next(buffer);
            buffer.compact();
            if (!step.needsMore() && !step.isSend()) {
                return step;
            }
            if (step.needsMore()) {
                if (offset >= server.length) {
                    return step;
                }
                int n = Math.min(chunk, server.length - offset);
                buffer.put(server, offset, n);
                offset += n;
            }
        }
    }

    @Test
    void pipelinesGreetingCredentialsAndConnectInOneWrite() {
        Socks5ClientHandshake handshake = Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY);
        Socks5Step<Socks5CommandResponse> first = handshake.next(ByteBuffer.allocate(0));
        assertTrue(first.isSend());
        assertArrayEquals(concat(GREETING_PASSWORD, AUTH_KEY, CONNECT_WEB_BYTES), first.bytes());
        assertEquals(2, handshake.next(ByteBuffer.allocate(0)).bytesNeeded(), "the method choice: two bytes");
    }

    @Test
    void readsEachReplyExactlyAndLeavesTheApplicationsBytes() {
        Run run = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY),
                concat(bytes(5, 2), bytes(1, 0), SUCCESS_V4, APP_DATA));
        assertTrue(run.last.isDone(), run.last.toString());
        Socks5CommandResponse reply = run.last.result();
        assertEquals(Socks5CommandStatus.SUCCESS, reply.status());
        assertEquals(Socks5Address.parse("10.0.0.1", 8080), reply.bndAddress());
        assertArrayEquals(APP_DATA, run.unread, "the application's bytes stay unread");
        assertEquals(4, run.reads, "choice, status, the reply's first five bytes, the rest of the reply");
        assertTrue(run.pastAuthentication);
    }

    @Test
    void acceptsTorsAnswerToPipelinedCredentialsWithoutTheMethodChoice() {
        // tor 0.4.9 keeps one reply buffer: the credentials' status replaces the method choice.
        Run run = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY), concat(bytes(1, 0), SUCCESS_V4, bytes('H')));
        assertTrue(run.last.isDone(), run.last.toString());
        assertArrayEquals(bytes('H'), run.unread);

        Run refused = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY), bytes(1, 1));
        assertEquals(Socks5HandshakeFailure.Kind.AUTH_REFUSED, refused.last.failure().kind());
        assertEquals("it refused the username/password: failure (RFC 1929 status 0x01)",
                refused.last.failure().description());
        assertFalse(refused.pastAuthentication);
    }

    @Test
    void acceptsTorsRepliesInAnySplit() {
        byte[][] answers = {
            concat(bytes(5, 2), bytes(1, 0), SUCCESS_V4, APP_DATA),
            concat(bytes(1, 0), SUCCESS_V4, APP_DATA),
        };
        for (byte[] server : answers) {
            for (int chunk = 1; chunk <= server.length; chunk++) {
                ByteBuffer buffer = ByteBuffer.allocate(64);
                Socks5Step<Socks5CommandResponse> step = feedInChunks(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY),
                        server, chunk, buffer);
                assertTrue(step.isDone(), "chunks of " + chunk + ": " + step);
                assertEquals(Socks5CommandStatus.SUCCESS, step.result().status());
                buffer.flip();
                int handshakeLength = server.length - APP_DATA.length;
                int fed = Math.min(server.length, roundUp(handshakeLength, chunk));
                assertEquals(fed - handshakeLength, buffer.remaining(), "what came with the reply stays in the buffer");
            }
        }
    }

    private static int roundUp(int n, int chunk) {
        return (n + chunk - 1) / chunk * chunk;
    }

    @Test
    void stepByStepWaitsForEachAnswer() {
        Socks5ClientHandshake handshake = Socks5ClientHandshake.stepByStep(CONNECT_WEB, KEY);
        ByteBuffer empty = ByteBuffer.allocate(0);
        assertArrayEquals(GREETING_PASSWORD, handshake.next(empty).bytes());
        assertEquals(2, handshake.next(empty).bytesNeeded());
        ByteBuffer choice = ByteBuffer.wrap(bytes(5, 2));
        assertArrayEquals(AUTH_KEY, handshake.next(choice).bytes(), "credentials only after the choice");
        assertEquals(2, handshake.next(choice).bytesNeeded());
        ByteBuffer status = ByteBuffer.wrap(bytes(1, 0));
        assertArrayEquals(CONNECT_WEB_BYTES, handshake.next(status).bytes(), "the request only after the status");
        assertTrue(handshake.pastAuthentication());
        assertEquals(5, handshake.next(status).bytesNeeded());
        Socks5Step<Socks5CommandResponse> done = handshake.next(ByteBuffer.wrap(SUCCESS_V4));
        assertTrue(done.isDone());
        assertThrows(IllegalStateException.class, () -> handshake.next(empty), "nothing after the end");
    }

    @Test
    void stepByStepWithoutAuthentication() {
        Run run = drive(Socks5ClientHandshake.stepByStep(CONNECT_WEB, null), concat(bytes(5, 0), SUCCESS_V4));
        assertArrayEquals(concat(GREETING_NO_AUTH, CONNECT_WEB_BYTES), run.sent.toByteArray());
        assertTrue(run.last.isDone());
    }

    @Test
    void sendsTorsResolveAndReadsItsAnswers() {
        Socks5ClientHandshake resolve = Socks5ClientHandshake.pipelined(
                Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, "example.com", 0), null);
        byte[] v6 = bytes(5, 0, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
        Run run = drive(resolve, concat(bytes(5, 0), v6));
        assertArrayEquals(concat(GREETING_NO_AUTH, bytes(0x05, 0xF0, 0x00, 0x03, 11), "example.com".getBytes(),
                bytes(0, 0)), run.sent.toByteArray());
        assertEquals(Socks5Address.parse("2001:db8::1", 0), run.last.result().bndAddress());

        Socks5ClientHandshake ptr = Socks5ClientHandshake.pipelined(Socks5CommandRequest.of(Socks5CommandType.RESOLVE_PTR,
                Socks5Address.parse("198.51.100.7", 0)), null);
        Run named = drive(ptr, concat(bytes(5, 0), bytes(5, 0, 0, 3, 8), "host.tor".getBytes(), bytes(0, 0)));
        assertArrayEquals(concat(GREETING_NO_AUTH, bytes(0x05, 0xF1, 0x00, 0x01, 198, 51, 100, 7, 0, 0)),
                named.sent.toByteArray());
        assertEquals(Socks5Address.ofName("host.tor", 0), named.last.result().bndAddress());

        // Tor's failed RESOLVE: ATYP 0x00 and four zero bytes.
        Run failed = drive(Socks5ClientHandshake.pipelined(Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE,
                "nowhere.test", 0), null), concat(bytes(5, 0), bytes(5, 4, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertEquals(Socks5CommandStatus.HOST_UNREACHABLE, failed.last.result().status());
    }

    @Test
    void returnsEveryReplyCodeForTheCallerToDecide() {
        for (int code = 0; code <= 0xFF; code++) {
            Run run = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY),
                    concat(bytes(5, 2), bytes(1, 0), bytes(5, code, 0, 1, 0, 0, 0, 0, 0, 0)));
            assertTrue(run.last.isDone(), run.last.toString());
            assertEquals(Socks5CommandStatus.valueOf((byte) code), run.last.result().status());
            assertEquals(code == 0, run.last.result().status().isSuccess());
        }
        assertEquals("onion service descriptor not found (SOCKS reply 0xF0)", Socks5CommandStatus.valueOf((byte) 0xF0)
                .toString());
    }

    @Test
    void failsOnABadVersionInEachReply() {
        Run choice = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, null), bytes('H', 'T', 'T', 'P'));
        assertEquals(Socks5HandshakeFailure.Kind.MALFORMED, choice.last.failure().kind());
        assertEquals("it does not speak SOCKS5: version: 0x48 (expected: 0x05)", choice.last.failure().description());
        assertEquals(1, choice.reads, "nothing read past the bad message");

        Run status = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY), concat(bytes(5, 2), bytes(2, 0)));
        assertEquals(Socks5HandshakeFailure.Kind.MALFORMED, status.last.failure().kind());
        assertEquals("it does not speak SOCKS5: username/password version: 0x02 (expected: 0x01)",
                status.last.failure().description());

        Run reply = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY),
                concat(bytes(5, 2), bytes(1, 0), bytes(4, 0, 0, 1, 0, 0, 0, 0, 0, 0)));
        assertEquals(Socks5HandshakeFailure.Kind.MALFORMED_REPLY, reply.last.failure().kind());
        assertTrue(reply.pastAuthentication, "the server had accepted the credentials");
        assertEquals(Socks5CommandStatus.FAILURE, reply.last.failure().reply());
        assertEquals(0, reply.last.failure().answer().length, "a client answers nothing");
    }

    @Test
    void failsWhenTheServerChoosesAMethodNotOffered() {
        Run refused = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY), bytes(5, 0xFF));
        assertEquals(Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD, refused.last.failure().kind());
        assertEquals("it accepts none of the offered authentication methods (offered username/password (0x02),"
                + " answered no acceptable methods (0xFF))", refused.last.failure().description());

        Run other = drive(Socks5ClientHandshake.stepByStep(CONNECT_WEB, null), bytes(5, 2));
        assertEquals(Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD, other.last.failure().kind());
        assertArrayEquals(GREETING_NO_AUTH, other.sent.toByteArray(), "no request after a refused greeting");

        Run noAuthChosen = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, KEY), bytes(5, 0));
        assertEquals(Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD, noAuthChosen.last.failure().kind(),
                "a server that skips the credentials could not isolate the stream");
        assertThrows(IllegalStateException.class, () -> noAuthChosen.last.result());
    }

    @Test
    void failsOnMalformedAddressFieldsOfTheReply() {
        byte[][] bad = {
            bytes(5, 0, 0, 3, 0, 0, 80), // empty DOMAINNAME
            bytes(5, 0, 0, 2, 0, 0, 0, 0, 0, 80), // unknown ATYP
            bytes(5, 0, 1, 1, 0, 0, 0, 0, 0, 80), // RSV not zero
            bytes(5, 0, 0, 3, 1, 0xC3, 0, 80), // a byte above 0x7F in a name
            bytes(5, 4, 0, 0, 0, 0, 0, 1, 0, 0), // ATYP none with an address
            bytes(5, 0, 0, 0, 0, 0, 0, 0, 0, 0), // ATYP none in a success
        };
        for (byte[] reply : bad) {
            Run run = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, null), concat(bytes(5, 0), reply));
            assertTrue(run.last.isFailed(), run.last.toString());
            assertEquals(Socks5HandshakeFailure.Kind.MALFORMED_REPLY, run.last.failure().kind());
        }
    }

    @Test
    void asksForMoreWhenTheReplyIsTruncated() {
        byte[] full = concat(bytes(5, 0), bytes(5, 0, 0, 3, 8), "host.tor".getBytes(), bytes(0, 0));
        for (int cut = 0; cut < full.length; cut++) {
            Run run = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, null), java.util.Arrays.copyOf(full, cut));
            assertTrue(run.last.needsMore(), cut + ": " + run.last);
        }
        byte[] longest = new byte[Socks5ClientHandshake.MAX_MESSAGE];
        longest[0] = 5;
        longest[3] = 3;
        longest[4] = (byte) 255;
        java.util.Arrays.fill(longest, 5, 260, (byte) 'a');
        Run run = drive(Socks5ClientHandshake.pipelined(CONNECT_WEB, null), concat(bytes(5, 0), longest));
        assertTrue(run.last.isDone(), "a 255-byte name fills the longest reply: " + run.last);
    }

    @Test
    void refusesOversizedOrEmptyFieldsBeforeAnythingIsSent() {
        assertThrows(IllegalArgumentException.class,
                () -> Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "a".repeat(256), 80));
        assertThrows(IllegalArgumentException.class, () -> new Socks5PasswordAuthRequest("k".repeat(256), "0"));
        assertThrows(IllegalArgumentException.class, () -> new Socks5PasswordAuthRequest("", "0"));
        assertThrows(IllegalArgumentException.class, () -> Socks5ClientHandshake.pipelined(null, KEY));
    }
}
