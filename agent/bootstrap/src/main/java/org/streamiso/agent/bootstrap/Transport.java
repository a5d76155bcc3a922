package org.streamiso.agent.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.streamiso.socks.Socks5Reader;

/**
 * The bytes of one SOCKS handshake, over whichever kind of connection the application opened. Reads
 * never ask for more than the handshake needs, so no reply byte is left for the application to see.
 */
interface Transport extends Socks5Reader.Source {

    /** Writes all of {@code bytes}. */
    void write(byte[] bytes) throws IOException;

    /** Reads exactly {@code length} bytes into {@code into} at {@code offset}, or throws. */
    void readFully(byte[] into, int offset, int length) throws IOException;

    /** Sets a socket's read timeout (SO_TIMEOUT), in milliseconds. */
    interface ReadTimeout {
        void set(int millis) throws IOException;
    }

    /** Over streams that need no timeout (bytes already read). */
    static Transport of(InputStream in, OutputStream out) {
        return of(in, out, null, Long.MAX_VALUE);
    }

    /**
     * Over a socket's streams (java.net.Socket's implementations and the channel socket adaptor): before each read
     * the socket's read timeout is set to what is left of the deadline, so the whole handshake, not each read, is
     * bounded by it.
     */
    static Transport of(InputStream in, OutputStream out, ReadTimeout timeout, long deadlineNanos) {
        return new Transport() {
            @Override
            public void write(byte[] bytes) throws IOException {
                out.write(bytes);
                out.flush();
            }

            @Override
            public void readFully(byte[] into, int offset, int length) throws IOException {
                while (length > 0) {
                    if (timeout != null) {
                        remaining(deadlineNanos); // throws once the deadline passed
                        timeout.set(millisLeft(deadlineNanos));
                    }
                    int n = in.read(into, offset, length);
                    if (n < 0) {
                        throw new SocksHandshake.ClosedDuringHandshake();
                    }
                    offset += n;
                    length -= n;
                }
            }
        };
    }

    /**
     * Over a non-blocking SocketChannel, waiting for readiness with the JDK's own poll (or, on a virtual thread, its
     * poller) until {@code deadlineNanos} of {@link System#nanoTime()}. {@code interruptible}: the wait stands for a
     * blocking call, which an interrupt ends by closing the channel, as InterruptibleChannel does; a channel the
     * application made non-blocking is not closed by an interrupt, as the JDK never closes one.
     */
    static Transport of(SocketChannel channel, long deadlineNanos, boolean interruptible) {
        return new Transport() {
            @Override
            public void write(byte[] bytes) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    if (channel.write(buf) == 0) {
                        park(channel, JdkAccess.POLLOUT, deadlineNanos, interruptible);
                    }
                }
            }

            @Override
            public void readFully(byte[] into, int offset, int length) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(into, offset, length);
                while (buf.hasRemaining()) {
                    int n = channel.read(buf);
                    if (n < 0) {
                        throw new SocksHandshake.ClosedDuringHandshake();
                    }
                    if (n == 0) {
                        park(channel, JdkAccess.POLLIN, deadlineNanos, interruptible);
                    }
                }
            }
        };
    }

    /**
     * Connects a channel, waiting with the JDK's own poll (or a virtual thread's poller) until the deadline when
     * it is non-blocking. The connect passes the agent's hooks, which let the SocksPort through.
     */
    static void connect(SocketChannel channel, SocketAddress to, long deadlineNanos, boolean interruptible)
            throws IOException {
        if (!channel.connect(to)) {
            while (!channel.finishConnect()) {
                park(channel, JdkAccess.POLLOUT, deadlineNanos, interruptible);
            }
        }
    }

    /** How often a wait for the SocksPort looks whether its thread was interrupted (a platform thread's poll is not). */
    long INTERRUPT_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /**
     * Waits until the channel is ready for {@code event}, the deadline passed, or (when {@code interruptible}) the thread
     * was interrupted: then the wait stands for a blocking call, which an interrupt ends by closing the channel.
     */
    static void park(SocketChannel channel, int event, long deadlineNanos, boolean interruptible) throws IOException {
        JdkAccess.park(channel, event, Math.min(remaining(deadlineNanos), INTERRUPT_CHECK_NANOS));
        if (interruptible && Thread.currentThread().isInterrupted()) {
            channel.close();
            throw new java.nio.channels.ClosedByInterruptException();
        }
    }

    /** Over an AsynchronousSocketChannel, waiting on each operation's future until the deadline. */
    static Transport of(AsynchronousSocketChannel channel, long deadlineNanos) {
        return new Transport() {
            @Override
            public void write(byte[] bytes) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    await(channel.write(buf), deadlineNanos);
                }
            }

            @Override
            public void readFully(byte[] into, int offset, int length) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(into, offset, length);
                while (buf.hasRemaining()) {
                    if (await(channel.read(buf), deadlineNanos) < 0) {
                        throw new SocksHandshake.ClosedDuringHandshake();
                    }
                }
            }
        };
    }

    /** Waits for an asynchronous channel operation until the deadline, unwrapping its IOException. */
    static <T> T await(Future<T> future, long deadlineNanos) throws IOException {
        try {
            return future.get(remaining(deadlineNanos), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            throw new IOException(cause);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new SocketTimeoutException("timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /** Milliseconds left until the deadline, at least 1 (0 would mean no timeout); a passed one fails in the read. */
    static int millisLeft(long deadlineNanos) {
        long nanos = deadlineNanos - System.nanoTime();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos)));
    }

    /** Nanoseconds left until the deadline, or throws SocketTimeoutException; {@code Long.MAX_VALUE} means none. */
    static long remaining(long deadlineNanos) throws SocketTimeoutException {
        if (deadlineNanos == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("timed out");
        }
        return left;
    }
}
