package org.streamiso.socks;

/**
 * What a SOCKS5 handshake ({@link Socks5ClientHandshake}, {@link Socks5ServerHandshake}) asks its driver to do
 * next: send bytes, receive an exact number of bytes, decide on credentials, or stop, done or failed. The
 * handshakes do no I/O; a blocking driver and a selector loop drive the same machine (Arti's
 * {@code tor-socksproto} {@code NextStep}).
 *
 * @param <T> the handshake's result: the reply for the client, the request for the server
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 */
public final class Socks5Step<T> {
    /** The kinds of step. */
    public enum Kind {
        /** Send {@link #bytes()} to the peer, then call {@code next} again. */
        SEND,
        /**
         * The buffer holds too few bytes: call {@code next} again once it holds {@link #bytesNeeded()} bytes from
         * its position. Reading exactly the missing bytes never reads past the handshake into the relayed data.
         */
        RECEIVE,
        /** Server only: decide on {@link #credentials()}, then call {@link Socks5ServerHandshake#authenticated}. */
        AUTHENTICATE,
        /** The handshake ended with {@link #result()}; bytes after it are still in the buffer, unread. */
        DONE,
        /**
         * The handshake failed ({@link #failure()}): send its {@link Socks5HandshakeFailure#answer() answer}, if
         * any, and close the connection.
         */
        FAILED,
    }

    private final Kind kind;
    private final byte[] bytes;
    private final int bytesNeeded;
    private final T result;
    private final Socks5PasswordAuthRequest credentials;
    private final Socks5HandshakeFailure failure;

    private Socks5Step(Kind kind, byte[] bytes, int bytesNeeded, T result, Socks5PasswordAuthRequest credentials,
            Socks5HandshakeFailure failure) {
        this.kind = kind;
        this.bytes = bytes;
        this.bytesNeeded = bytesNeeded;
        this.result = result;
        this.credentials = credentials;
        this.failure = failure;
    }

    static <T> Socks5Step<T> send(byte[] bytes) {
        return new Socks5Step<>(Kind.SEND, bytes, 0, null, null, null);
    }

    static <T> Socks5Step<T> receive(int bytesNeeded) {
        return new Socks5Step<>(Kind.RECEIVE, null, bytesNeeded, null, null, null);
    }

    static <T> Socks5Step<T> authenticate(Socks5PasswordAuthRequest credentials) {
        return new Socks5Step<>(Kind.AUTHENTICATE, null, 0, null, credentials, null);
    }

    static <T> Socks5Step<T> done(T result) {
        return new Socks5Step<>(Kind.DONE, null, 0, result, null, null);
    }

    static <T> Socks5Step<T> failed(Socks5HandshakeFailure failure) {
        return new Socks5Step<>(Kind.FAILED, null, 0, null, null, failure);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isSend() {
        return kind == Kind.SEND;
    }

    public boolean needsMore() {
        return kind == Kind.RECEIVE;
    }

    public boolean isDone() {
        return kind == Kind.DONE;
    }

    public boolean isFailed() {
        return kind == Kind.FAILED;
    }

    /** {@link Kind#SEND}: the bytes to send, all of them, before the next call. */
    public byte[] bytes() {
        check(Kind.SEND);
        return bytes.clone();
    }

    /**
     * {@link Kind#RECEIVE}: the number of bytes, counted from the buffer's position as the call left it, that must
     * be there before the next call; always more than were there. Read {@code bytesNeeded() - in.remaining()}
     * more.
     */
    public int bytesNeeded() {
        check(Kind.RECEIVE);
        return bytesNeeded;
    }

    /** {@link Kind#DONE}: the reply (client) or the request (server). */
    public T result() {
        check(Kind.DONE);
        return result;
    }

    /** {@link Kind#AUTHENTICATE}: the client's RFC 1929 username and password. */
    public Socks5PasswordAuthRequest credentials() {
        check(Kind.AUTHENTICATE);
        return credentials;
    }

    /** {@link Kind#FAILED}: what went wrong, and what a server answers before it closes. */
    public Socks5HandshakeFailure failure() {
        check(Kind.FAILED);
        return failure;
    }

    private void check(Kind expected) {
        if (kind != expected) {
            throw new IllegalStateException("step " + this + " (expected: " + expected + ")");
        }
    }

    /** A form safe to log: kind and sizes, never a destination or a key. */
    @Override
    public String toString() {
        switch (kind) {
            case SEND: return "SEND " + bytes.length + " bytes";
            case RECEIVE: return "RECEIVE until " + bytesNeeded + " bytes";
            case FAILED: return "FAILED: " + failure;
            default: return kind.name();
        }
    }
}
