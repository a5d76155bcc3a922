package org.streamiso.socks;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.function.Function;

/**
 * Reads one SOCKS5 message from a blocking source, or the next bytes a handshake machine asks for ({@link
 * #readStep}), asking it for exactly the bytes still needed, so that nothing after the message is consumed. The source does the I/O; the codec stays I/O-free.
 */
public final class Socks5Reader {
    /** The longest message: a reply or request with a 255-byte DOMAINNAME, or an RFC 1929 request. */
    private static final int MAX_MESSAGE = 3 + 2 * Socks5.MAX_FIELD_LENGTH;

    /** A blocking source that fills exactly {@code length} bytes, or throws (EOFException at the end). */
    @FunctionalInterface
    public interface Source {
        void readFully(byte[] into, int offset, int length) throws IOException;
    }

    /** The codec decoded a failure: the bytes are not the SOCKS5 message expected. */
    public static final class MalformedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Socks5CommandStatus reply;

        MalformedException(Socks5Decoded<?> failed) {
            super(failed.failure());
            this.reply = failed.failureReply();
        }

        /** The reply code a server sends for this failure. */
        public Socks5CommandStatus reply() {
            return reply;
        }
    }

    private Socks5Reader() {
    }

    /**
     * Reads and decodes one message.
     *
     * @throws MalformedException when the bytes are not the message
     * @throws IOException        what the source threw, such as EOFException when it ended mid-message
     */
    public static <T> T read(Source source, Function<ByteBuffer, Socks5Decoded<T>> decoder) throws IOException {
        byte[] buf = new byte[MAX_MESSAGE];
        int have = 0;
        while (true) {
            Socks5Decoded<T> d = decoder.apply(ByteBuffer.wrap(buf, 0, have));
            if (d.isDone()) {
                return d.message();
            }
            if (d.isFailed()) {
                throw new MalformedException(d);
            }
            source.readFully(buf, have, d.bytesNeeded() - have);
            have = d.bytesNeeded();
        }
    }

    /**
     * For a blocking caller of a handshake machine ({@link Socks5ClientHandshake}, {@link Socks5ServerHandshake})
     * whose {@code step} asks for more: moves what the machine left unconsumed in {@code received} (a view of
     * {@code buf}, read mode) to the front of {@code buf}, reads exactly the bytes that make the step's {@link
     * Socks5Step#bytesNeeded()}, and returns the new view. Nothing past the message the step waits for is read, so
     * the bytes after the handshake stay in the connection. {@code buf} holds the machine's longest message.
     */
    public static ByteBuffer readStep(Source source, byte[] buf, ByteBuffer received, Socks5Step<?> step)
            throws IOException {
        int have = received.remaining();
        System.arraycopy(buf, received.position(), buf, 0, have);
        int needed = step.bytesNeeded();
        source.readFully(buf, have, needed - have);
        return ByteBuffer.wrap(buf, 0, needed);
    }

    /** A source over a stream; it throws EOFException when the stream ends first. */
    public static Source of(InputStream in) {
        return (into, offset, length) -> {
            if (in.readNBytes(into, offset, length) != length) {
                throw new EOFException("the connection closed in the middle of a SOCKS message");
            }
        };
    }
}
