package org.streamiso.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The handshakes' part of the module's one fuzz target ({@link Socks5CodecFuzzTest}, since Jazzer fuzzes one {@code
 * @FuzzTest} per JVM): whatever bytes a server sends to {@link Socks5ClientHandshake} or a client sends to {@link
 * Socks5ServerHandshake}, each step is one of send, receive, authenticate, done or failed and nothing throws;
 * a driver that reads exactly {@code bytesNeeded} at a time (the agent) never reads past the handshake and ends as
 * one that has every byte at once or gets them one at a time (a selector loop); a server's failure answers with a
 * non-success code, and what a client or server is done with re-encodes to the bytes it read.
 */
final class Socks5HandshakeFuzzCheck {
    private static final Socks5CommandRequest REQUEST =
            Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.test", 80);
    private static final Socks5PasswordAuthRequest KEY = new Socks5PasswordAuthRequest("key", "0");

    private Socks5HandshakeFuzzCheck() {
    }

    static void check(byte[] input) {
        for (int variant = 0; variant < 4; variant++) {
            checkClient(input, variant);
        }
        boolean accept = input.length == 0 || (input[input.length - 1] & 1) == 0;
        checkServer(input, List.of(Socks5AuthMethod.PASSWORD, Socks5AuthMethod.NO_AUTH), accept);
        checkServer(input, List.of(Socks5AuthMethod.NO_AUTH), accept);
    }

    private static Socks5ClientHandshake client(int variant) {
        Socks5PasswordAuthRequest credentials = (variant & 1) == 0 ? KEY : null;
        return (variant & 2) == 0 ? Socks5ClientHandshake.pipelined(REQUEST, credentials)
                : Socks5ClientHandshake.stepByStep(REQUEST, credentials);
    }

    /** How a run ended: the last step's kind, the result or failure kind, how many input bytes it consumed. */
    private static String outcome(Socks5Step<?> step, int consumed) {
        if (step.isDone()) {
            return "DONE " + consumed + " " + step.result();
        }
        if (step.isFailed()) {
            return "FAILED " + step.failure().kind();
        }
        return step.kind().toString();
    }

    private static void checkClient(byte[] input, int variant) {
        // All at once.
        Socks5ClientHandshake whole = client(variant);
        ByteBuffer in = ByteBuffer.wrap(input);
        Socks5Step<Socks5CommandResponse> step;
        int sends = 0;
        do {
            step = checked(whole.next(in), in, Socks5ClientHandshake.MAX_MESSAGE);
            sends += step.isSend() ? 1 : 0;
        } while (step.isSend());
        assertTrue(sends <= 3, "more than greeting, credentials and request sent");
        String all = outcome(step, in.position());
        if (step.isDone()) {
            assertTrue(whole.pastAuthentication(), "done without getting past authentication");
            int replyLength = Socks5Codec.encode(step.result()).length;
            byte[] reply = new byte[replyLength];
            System.arraycopy(input, in.position() - replyLength, reply, 0, replyLength);
            assertArrayEquals(reply, Socks5Codec.encode(step.result()), "the reply re-encodes to the bytes read");
        }

        // Exactly bytesNeeded at a time, as the agent reads from a socket.
        Socks5ClientHandshake precise = client(variant);
        byte[] buf = new byte[Socks5ClientHandshake.MAX_MESSAGE];
        ByteBuffer window = ByteBuffer.wrap(buf, 0, 0);
        int offset = 0;
        while (true) {
            step = checked(precise.next(window), window, Socks5ClientHandshake.MAX_MESSAGE);
            if (step.isSend()) {
                continue;
            }
            if (!step.needsMore()) {
                break;
            }
            int have = window.remaining();
            int want = step.bytesNeeded() - have;
            if (offset + want > input.length) {
                break;
            }
            System.arraycopy(buf, window.position(), buf, 0, have);
            System.arraycopy(input, offset, buf, have, want);
            offset += want;
            window = ByteBuffer.wrap(buf, 0, step.bytesNeeded());
        }
        if (step.isDone()) {
            assertEquals(0, window.remaining(), "a precise reader has nothing left after the reply");
        }
        String exact = outcome(step, offset - window.remaining());
        assertEquals(all, exact, "precise reads end differently from all at once");

        // One byte at a time, as a selector loop may get them.
        Socks5ClientHandshake trickle = client(variant);
        ByteBuffer grow = ByteBuffer.allocate(input.length + 1);
        grow.flip();
        int fed = 0;
        while (true) {
            step = checked(trickle.next(grow), grow, Socks5ClientHandshake.MAX_MESSAGE);
            if (step.isSend()) {
                continue;
            }
            if (!step.needsMore() || fed == input.length) {
                break;
            }
            grow.compact();
            grow.put(input[fed++]);
            grow.flip();
        }
        assertEquals(all, outcome(step, fed - grow.remaining()), "byte by byte ends differently from all at once");
    }

    private static void checkServer(byte[] input, List<Socks5AuthMethod> accepted, boolean accept) {
        Socks5ServerHandshake server = new Socks5ServerHandshake(accepted);
        ByteBuffer in = ByteBuffer.wrap(input);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        List<Integer> positions = new ArrayList<>();
        Socks5Step<Socks5CommandRequest> step = checked(server.next(in), in, Socks5ServerHandshake.MAX_MESSAGE);
        while (step.isSend() || step.kind() == Socks5Step.Kind.AUTHENTICATE) {
            positions.add(in.position());
            if (step.isSend()) {
                sent.writeBytes(step.bytes());
                step = checked(server.next(in), in, Socks5ServerHandshake.MAX_MESSAGE);
            } else {
                assertNotNull(step.credentials());
                step = server.authenticated(accept);
                if (step.isSend()) {
                    assertArrayEquals(new byte[] {1, 0}, step.bytes());
                }
            }
        }
        if (step.isFailed()) {
            Socks5HandshakeFailure f = step.failure();
            assertFalse(f.reply().isSuccess(), "a failure with the success code");
            assertTrue(f.answer().length > 0, "a server failure without an answer");
            assertFalse(f.description().isEmpty(), "a failure without words");
            if (f.kind() == Socks5HandshakeFailure.Kind.AUTH_REFUSED) {
                assertFalse(accept, "credentials refused although accepted");
            }
        } else if (step.isDone()) {
            assertTrue(server.method() != null && accepted.contains(server.method()), "done without a method");
            byte[] request = Socks5Codec.encode(step.result());
            byte[] read = new byte[request.length];
            System.arraycopy(input, in.position() - request.length, read, 0, request.length);
            assertArrayEquals(read, request, "the request re-encodes to the bytes read");
        }
    }

    /** What holds for every step: exactly one kind, and a receive that asks for more than is there, within bounds. */
    private static <T> Socks5Step<T> checked(Socks5Step<T> step, ByteBuffer in, int longest) {
        assertNotNull(step, "a handshake returned null");
        if (step.needsMore()) {
            assertTrue(step.bytesNeeded() > in.remaining(), "needs " + step.bytesNeeded() + " with " + in.remaining());
            assertTrue(step.bytesNeeded() <= longest, "needs more than any message: " + step.bytesNeeded());
        }
        if (step.isSend()) {
            assertTrue(step.bytes().length > 0, "an empty send");
        }
        return step;
    }
}
