package org.streamiso.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamiso.socks.Socks5ClientHandshakeTest.bytes;
import static org.streamiso.socks.Socks5ClientHandshakeTest.concat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server handshake against client bytes written out by hand: the method it picks, what it answers to each
 * message, pipelined and split input, and the answer it gives for every malformed message.
 */
class Socks5ServerHandshakeTest {
    private static final List<Socks5AuthMethod> TOR_LIKE = List.of(Socks5AuthMethod.PASSWORD, Socks5AuthMethod.NO_AUTH);
    private static final byte[] GREETING_BOTH = bytes(5, 2, 0, 2);
    private static final byte[] AUTH_KEY = bytes(1, 3, 'k', 'e', 'y', 1, '0');
    private static final byte[] CONNECT_WEB = concat(bytes(5, 1, 0, 3, 8), "web.test".getBytes(), bytes(0, 80));

    /** What the server sent and where it stopped; credentials are accepted when {@code accept}. */
    private static final class Run {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        Socks5Step<Socks5CommandRequest> last;
        ByteBuffer in;
    }

    private static Run drive(Socks5ServerHandshake handshake, byte[] client, boolean accept) {
        Run run = new Run();
        run.in = ByteBuffer.wrap(client);
        Socks5Step<Socks5CommandRequest> step = handshake.next(run.in);
        while (true) {
            if (step.isSend()) {
                run.sent.writeBytes(step.bytes());
                step = handshake.next(run.in);
            } else if (step.kind() == Socks5Step.Kind.AUTHENTICATE) {
                step = handshake.authenticated(accept);
            } else {
                run.last = step;
                return run;
            }
        }
    }

    @Test
    void prefersUsernamePasswordAndReadsAPipelinedHandshake() {
        Socks5ServerHandshake handshake = new Socks5ServerHandshake(TOR_LIKE);
        Run run = drive(handshake, concat(GREETING_BOTH, AUTH_KEY, CONNECT_WEB, bytes('G', 'E', 'T')), true);
        assertTrue(run.last.isDone(), run.last.toString());
        assertArrayEquals(concat(bytes(5, 2), bytes(1, 0)), run.sent.toByteArray(), "choice, then status 0x00");
        assertEquals(Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.test", 80), run.last.result());
        assertEquals(Socks5AuthMethod.PASSWORD, handshake.method());
        assertEquals(new Socks5PasswordAuthRequest("key", "0"), handshake.credentials());
        assertEquals(3, run.in.remaining(), "the client's early data stays in the buffer");
    }

    @Test
    void asksForTheCredentialsDecisionBeforeReadingTheRequest() {
        Socks5ServerHandshake handshake = new Socks5ServerHandshake(TOR_LIKE);
        ByteBuffer in = ByteBuffer.wrap(concat(GREETING_BOTH, AUTH_KEY, CONNECT_WEB));
        assertArrayEquals(bytes(5, 2), handshake.next(in).bytes());
        Socks5Step<Socks5CommandRequest> decide = handshake.next(in);
        assertEquals(Socks5Step.Kind.AUTHENTICATE, decide.kind());
        assertEquals("key", decide.credentials().username());
        assertThrows(IllegalStateException.class, () -> handshake.next(in), "no request before the decision");
        assertEquals(CONNECT_WEB.length, in.remaining(), "the request is not read before the decision");
        assertArrayEquals(bytes(1, 0), handshake.authenticated(true).bytes());
        assertTrue(handshake.next(in).isDone());
    }

    @Test
    void answersRefusedCredentialsWithStatus0x01() {
        Run run = drive(new Socks5ServerHandshake(TOR_LIKE), concat(GREETING_BOTH, AUTH_KEY, CONNECT_WEB), false);
        assertEquals(Socks5HandshakeFailure.Kind.AUTH_REFUSED, run.last.failure().kind());
        assertArrayEquals(bytes(1, 1), run.last.failure().answer());
        assertArrayEquals(bytes(5, 2), run.sent.toByteArray(), "status 0x00 was never sent");
    }

    @Test
    void choosesNoAuthenticationWhereItIsAllOffered() {
        Socks5ServerHandshake handshake = new Socks5ServerHandshake(TOR_LIKE);
        Run run = drive(handshake, concat(bytes(5, 1, 0), CONNECT_WEB), true);
        assertTrue(run.last.isDone());
        assertArrayEquals(bytes(5, 0), run.sent.toByteArray());
        assertNull(handshake.credentials());
    }

    @Test
    void answers0xFFWhenNoOfferedMethodIsAccepted() {
        Run run = drive(new Socks5ServerHandshake(List.of(Socks5AuthMethod.PASSWORD)), concat(bytes(5, 1, 0),
                CONNECT_WEB), true);
        assertEquals(Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD, run.last.failure().kind());
        assertArrayEquals(bytes(5, 0xFF), run.last.failure().answer());
        assertEquals("it offered none of the accepted authentication methods (offered [no authentication (0x00)],"
                + " accepted [username/password (0x02)])", run.last.failure().description());
        Run gssapi = drive(new Socks5ServerHandshake(TOR_LIKE), bytes(5, 1, 1), true);
        assertArrayEquals(bytes(5, 0xFF), gssapi.last.failure().answer());
    }

    @Test
    void answersEachMalformedMessageAsTheRfcSays() {
        Object[][] cases = {
            // client bytes, answer, reply code
            {bytes(4, 1, 0, 80, 127, 0, 0, 1, 0), bytes(5, 0xFF), Socks5CommandStatus.FAILURE}, // SOCKS4
            {bytes(5, 0), bytes(5, 0xFF), Socks5CommandStatus.FAILURE}, // no method offered
            {concat(bytes(5, 1, 2), bytes(2, 1, 'k', 1, '0')), bytes(1, 1), Socks5CommandStatus.FAILURE},
            {concat(bytes(5, 1, 2), bytes(1, 0, 1, '0')), bytes(1, 1), Socks5CommandStatus.FAILURE}, // empty user
            {concat(bytes(5, 1, 2), bytes(1, 1, 'k', 0)), bytes(1, 1), Socks5CommandStatus.FAILURE}, // empty pass
            {concat(bytes(5, 1, 0), bytes(5, 2, 0, 1, 0, 0, 0, 0, 0, 80)), bytes(5, 7, 0, 1, 0, 0, 0, 0, 0, 0),
                Socks5CommandStatus.COMMAND_UNSUPPORTED}, // BIND
            {concat(bytes(5, 1, 0), bytes(5, 1, 0, 5, 0, 0, 0, 0, 0, 80)), bytes(5, 8, 0, 1, 0, 0, 0, 0, 0, 0),
                Socks5CommandStatus.ADDRESS_UNSUPPORTED}, // unknown ATYP
            {concat(bytes(5, 1, 0), bytes(5, 1, 0, 3, 0, 0, 80)), bytes(5, 8, 0, 1, 0, 0, 0, 0, 0, 0),
                Socks5CommandStatus.ADDRESS_UNSUPPORTED}, // empty DOMAINNAME
            {concat(bytes(5, 1, 0), bytes(5, 1, 0, 0, 0, 0, 0, 0, 0, 80)), bytes(5, 8, 0, 1, 0, 0, 0, 0, 0, 0),
                Socks5CommandStatus.ADDRESS_UNSUPPORTED}, // ATYP none in a request
            {concat(bytes(5, 1, 0), bytes(5, 1, 1, 1, 0, 0, 0, 0, 0, 80)), bytes(5, 1, 0, 1, 0, 0, 0, 0, 0, 0),
                Socks5CommandStatus.FAILURE}, // RSV
            {concat(bytes(5, 1, 0), bytes(6, 1, 0, 1, 0, 0, 0, 0, 0, 80)), bytes(5, 1, 0, 1, 0, 0, 0, 0, 0, 0),
                Socks5CommandStatus.FAILURE}, // version
        };
        for (Object[] c : cases) {
            Run run = drive(new Socks5ServerHandshake(TOR_LIKE), (byte[]) c[0], true);
            assertTrue(run.last.isFailed(), run.last.toString());
            assertEquals(Socks5HandshakeFailure.Kind.MALFORMED, run.last.failure().kind(), run.last.toString());
            assertArrayEquals((byte[]) c[1], run.last.failure().answer(), run.last.toString());
            assertEquals(c[2], run.last.failure().reply(), run.last.toString());
        }
    }

    @Test
    void asksForExactlyTheMissingBytesOfEachMessage() {
        byte[] client = concat(GREETING_BOTH, AUTH_KEY, CONNECT_WEB);
        Socks5ServerHandshake handshake = new Socks5ServerHandshake(TOR_LIKE);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        byte[] buf = new byte[Socks5ServerHandshake.MAX_MESSAGE];
        ByteBuffer in = ByteBuffer.wrap(buf, 0, 0);
        int offset = 0;
        Socks5Step<Socks5CommandRequest> step = handshake.next(in);
        while (!step.isDone()) {
            if (step.isSend()) {
                sent.writeBytes(step.bytes());
                step = handshake.next(in);
            } else if (step.kind() == Socks5Step.Kind.AUTHENTICATE) {
                step = handshake.authenticated(true);
            } else {
                assertTrue(step.needsMore(), step.toString());
                int have = in.remaining();
                System.arraycopy(buf, in.position(), buf, 0, have);
                int want = step.bytesNeeded() - have;
                System.arraycopy(client, offset, buf, have, want);
                offset += want;
                in = ByteBuffer.wrap(buf, 0, step.bytesNeeded());
                step = handshake.next(in);
            }
        }
        assertEquals(client.length, offset, "read exactly the handshake");
        assertArrayEquals(concat(bytes(5, 2), bytes(1, 0)), sent.toByteArray());
    }

    @Test
    void clientAndServerMachinesAgree() {
        Socks5ServerHandshake server = new Socks5ServerHandshake(TOR_LIKE);
        Socks5ClientHandshake client = Socks5ClientHandshake.stepByStep(
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.test", 80),
                new Socks5PasswordAuthRequest("key", "0"));
        ByteBuffer toServer = ByteBuffer.allocate(600);
        ByteBuffer toClient = ByteBuffer.allocate(600);
        Socks5Step<Socks5CommandResponse> c = client.next(toClient.flip());
        toClient.compact();
        Socks5Step<Socks5CommandRequest> s = null;
        for (int round = 0; round < 20 && !c.isDone(); round++) {
            if (c.isSend()) {
                toServer.put(c.bytes());
            }
            toServer.flip();
            s = server.next(toServer);
            while (s.isSend() || s.kind() == Socks5Step.Kind.AUTHENTICATE) {
                if (s.isSend()) {
                    toClient.put(s.bytes());
                    s = server.next(toServer);
                } else {
                    s = server.authenticated(true);
                }
            }
            toServer.compact();
            if (s.isDone()) {
                toClient.put(Socks5ServerHandshake.reply(Socks5CommandStatus.SUCCESS));
            }
            toClient.flip();
            c = client.next(toClient);
            while (c.isSend()) {
                toServer.put(c.bytes());
                c = client.next(toClient);
            }
            toClient.compact();
        }
        assertTrue(c.isDone(), c.toString());
        assertTrue(s.isDone(), String.valueOf(s));
        assertEquals("web.test", s.result().dstAddr());
    }
}
