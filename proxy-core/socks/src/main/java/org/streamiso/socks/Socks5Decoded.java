package org.streamiso.socks;

/**
 * What {@link Socks5Codec} made of the bytes it was given: a message, a need for more bytes, or a
 * failure with the reply code a server should send before it closes the connection.
 *
 * @param <T> the message type
 */
public final class Socks5Decoded<T> {
    private final T message;
    private final int bytesNeeded;
    private final Socks5CommandStatus failureReply;
    private final String failure;

    private Socks5Decoded(T message, int bytesNeeded, Socks5CommandStatus failureReply, String failure) {
        this.message = message;
        this.bytesNeeded = bytesNeeded;
        this.failureReply = failureReply;
        this.failure = failure;
    }

    static <T> Socks5Decoded<T> done(T message) {
        return new Socks5Decoded<>(message, 0, null, null);
    }

    static <T> Socks5Decoded<T> needMore(int bytesNeeded) {
        return new Socks5Decoded<>(null, bytesNeeded, null, null);
    }

    static <T> Socks5Decoded<T> failed(Socks5CommandStatus reply, String failure) {
        return new Socks5Decoded<>(null, 0, reply, failure);
    }

    public boolean isDone() {
        return message != null;
    }

    public boolean needsMore() {
        return bytesNeeded > 0;
    }

    public boolean isFailed() {
        return failure != null;
    }

    /** The message; present only when {@link #isDone()}. */
    public T message() {
        if (message == null) {
            throw new IllegalStateException("no message: " + this);
        }
        return message;
    }

    /**
     * The total number of bytes, counted from the buffer's position, that must be present before the
     * message can be decoded; at least one more than were present. Reading exactly this many never
     * reads past the message.
     */
    public int bytesNeeded() {
        return bytesNeeded;
    }

    /** The reply code a server sends for this failure (RFC 1928 section 6). */
    public Socks5CommandStatus failureReply() {
        return failureReply;
    }

    /** What was wrong with the input, in words; never contains a destination or a key. */
    public String failure() {
        return failure;
    }

    @Override
    public String toString() {
        if (message != null) {
            return "done: " + message;
        }
        return bytesNeeded > 0 ? "need " + bytesNeeded + " bytes" : "failed: " + failure + ", reply " + failureReply;
    }
}
