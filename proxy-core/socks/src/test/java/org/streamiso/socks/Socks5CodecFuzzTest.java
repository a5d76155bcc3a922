package org.streamiso.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Coverage-guided fuzzing of every {@link Socks5Codec} decoder, of both handshake machines ({@link
 * Socks5HandshakeFuzzCheck}) and of the DNS codec ({@link org.streamiso.dns.DnsMessagesFuzzCheck}), with Jazzer:
 * whatever bytes a client or an upstream sends, a decoder returns a message, "need more" or a failure with a reply
 * code, and never throws.
 *
 * <p>{@code mvn verify} fuzzes for a bounded time ({@code jazzer.max_duration} in this module's pom, 30 s);
 * {@code -Djazzer.max_duration=10m} fuzzes longer, {@code -Djazzer.fuzz=0} runs only the seeds in
 * {@code src/test/resources/org/streamiso/socks/Socks5CodecFuzzTestInputs}. A finding is written to
 * {@code target/jazzer/} as {@code crash-<sha1>}; copy it into that seed folder so that every build replays it.
 *
 * <p>The contract checked, for each decoder and for the input at a non-zero buffer position:
 * <ul>
 *   <li>exactly one of done, need more, failed;</li>
 *   <li>need more: the buffer is untouched and {@code bytesNeeded} exceeds what was there;</li>
 *   <li>failed: the buffer is untouched and a non-success reply code comes with words;</li>
 *   <li>done: the position moved past exactly the message, the message re-encodes to those bytes, and the
 *       re-encoded bytes decode to an equal message;</li>
 *   <li>a reader that supplies exactly {@code bytesNeeded} bytes at a time, as the relay and the agent do,
 *       reaches the same outcome as one that has every byte at once, and never reads past the message.</li>
 * </ul>
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 */
class Socks5CodecFuzzTest {
    /** Bytes before the input in the buffer, so that a decoder that reads from index 0 instead of the position fails. */
    private static final int LEAD = 3;
    /** Bytes after the limit: the buffer refuses reads there, so a decoder that does not ask for more fails. */
    private static final int TAIL = 16;
    /** The longest message: an RFC 1929 request with two 255-byte fields. */
    private static final int LONGEST_MESSAGE = 3 + 255 + 255;

    @FuzzTest
    void everyDecoderReturnsAMessageNeedMoreOrAReplyCode(byte[] input) {
        check(input, Socks5Codec::decodeInitialRequest, Socks5Codec::encode);
        check(input, Socks5Codec::decodeInitialResponse, Socks5Codec::encode);
        check(input, Socks5Codec::decodePasswordAuthRequest, Socks5Codec::encode);
        check(input, Socks5Codec::decodePasswordAuthResponse, Socks5Codec::encode);
        check(input, Socks5Codec::decodeCommandRequest, Socks5Codec::encode);
        check(input, Socks5Codec::decodeCommandResponse, Socks5Codec::encode);
        // The handshake machines read the same untrusted bytes, from a server or from a client.
        Socks5HandshakeFuzzCheck.check(input);
        // The in-JVM DNS server's codec reads the same untrusted bytes, from a client instead of a SocksPort.
        org.streamiso.dns.DnsMessagesFuzzCheck.check(input);
    }

    private static <T> void check(byte[] input, Function<ByteBuffer, Socks5Decoded<T>> decoder,
            Function<T, byte[]> encoder) {
        ByteBuffer in = positioned(input, input.length);
        Socks5Decoded<T> whole = decode(decoder, in, input.length);

        if (whole.isDone()) {
            int consumed = in.position() - LEAD;
            assertTrue(consumed > 0, "done without consuming: " + whole);
            byte[] message = Arrays.copyOf(input, consumed);
            byte[] reencoded = encoder.apply(whole.message());
            assertArrayEquals(message, reencoded, "re-encoding differs from the bytes decoded: " + whole);
            ByteBuffer again = ByteBuffer.wrap(reencoded);
            Socks5Decoded<T> roundTrip = decoder.apply(again);
            assertTrue(roundTrip.isDone(), "re-encoded message did not decode: " + roundTrip);
            assertEquals(whole.message(), roundTrip.message(), "round trip changed the message");
            assertEquals(reencoded.length, again.position(), "round trip consumed a different length");
        }

        // Read as the relay and the agent do: ask for exactly bytesNeeded, never more.
        int have = 0;
        Socks5Decoded<T> step;
        while (true) {
            step = decode(decoder, positioned(input, have), have);
            if (!step.needsMore() || step.bytesNeeded() > input.length) {
                break;
            }
            have = step.bytesNeeded();
        }
        if (step.needsMore()) {
            assertTrue(whole.needsMore(), "reading bytesNeeded at a time ran out of input, all at once: " + whole);
        } else {
            assertEquals(whole.isDone(), step.isDone(), "incremental " + step + " but all at once " + whole);
            assertEquals(whole.isFailed(), step.isFailed(), "incremental " + step + " but all at once " + whole);
            if (step.isDone()) {
                assertEquals(whole.message(), step.message(), "incremental reading decoded another message");
            } else {
                assertEquals(whole.failureReply(), step.failureReply(), "incremental reading failed differently");
            }
        }
    }

    /** Decodes {@code length} bytes and checks what holds whatever the result. */
    private static <T> Socks5Decoded<T> decode(Function<ByteBuffer, Socks5Decoded<T>> decoder, ByteBuffer in,
            int length) {
        ByteBuffer before = in.duplicate();
        byte[] snapshot = in.array().clone();
        Socks5Decoded<T> d;
        try {
            d = decoder.apply(in);
        } catch (RuntimeException e) {
            throw new AssertionError("a decoder threw instead of returning a failure with a reply code", e);
        }
        assertNotNull(d, "a decoder returned null");
        assertEquals(before.limit(), in.limit(), "a decoder moved the limit");
        int outcomes = (d.isDone() ? 1 : 0) + (d.needsMore() ? 1 : 0) + (d.isFailed() ? 1 : 0);
        assertEquals(1, outcomes, "not exactly one of done, need more, failed: " + d);
        if (d.isDone()) {
            assertTrue(in.position() > LEAD && in.position() <= LEAD + length, "position after done: " + in);
        } else {
            assertEquals(LEAD, in.position(), "position moved without a message: " + d);
            assertArrayEquals(snapshot, in.array(), "a decoder wrote into the buffer");
            try {
                d.message();
                fail("message() without a message must throw: " + d);
            } catch (IllegalStateException expected) {
                // documented
            }
        }
        if (d.needsMore()) {
            assertTrue(d.bytesNeeded() > length, "needs " + d.bytesNeeded() + " but had " + length);
            assertTrue(d.bytesNeeded() <= LONGEST_MESSAGE, "needs more than any message: " + d.bytesNeeded());
        }
        if (d.isFailed()) {
            assertNotNull(d.failureReply(), "a failure without a reply code");
            assertFalse(d.failureReply().isSuccess(), "a failure with the success reply code");
            assertFalse(d.failure().isEmpty(), "a failure without words");
        }
        return d;
    }

    /** The first {@code length} bytes of {@code input} between junk, at position {@link #LEAD}. */
    private static ByteBuffer positioned(byte[] input, int length) {
        byte[] array = new byte[LEAD + length + TAIL];
        Arrays.fill(array, (byte) 0x5A);
        System.arraycopy(input, 0, array, LEAD, length);
        return ByteBuffer.wrap(array, LEAD, length);
    }
}
