package org.streamiso.agent.bootstrap;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * The SocksPort every routed connection and every lookup goes to: its address, its timeout, the credentials of each
 * stream ({@link Isolation}), the one sequence connect → handshake → reply that every hook and the resolver run, and
 * the words for each way it can fail. Nothing here falls back to a direct connection: every failure closes the
 * application's connection and throws.
 */
public final class SocksPort {
    /**
     * One connection on its way to the SocksPort, over whichever API the application opened it: how to connect it
     * to the SocksPort, the transport for the handshake, and what to restore once the handshake succeeded.
     */
    interface Leg {
        /** Connects to the SocksPort, within the deadline of {@link System#nanoTime()}. */
        void connect(InetSocketAddress socksPort, long deadline) throws IOException;

        /** The transport of the handshake, bounded by the deadline. */
        Transport transport(long deadline) throws IOException;

        /** The handshake succeeded: restores what {@link #transport} changed and reports the destination as peer. */
        void succeeded() throws IOException;

        /** The local port of the connection, once connected. */
        int localPort() throws IOException;

        /** Closes the connection quietly: it failed, and the caller throws the reason. */
        void close();
    }

    private final AgentConfig config;
    private final Isolation isolation;
    private final String text;

    SocksPort(AgentConfig config, Isolation isolation) {
        this.config = config;
        this.isolation = isolation;
        this.text = config.socksPortText();
    }

    public InetSocketAddress address() {
        return config.socksPort();
    }

    /** {@code host:port}, for messages. */
    public String text() {
        return text;
    }

    public Isolation isolation() {
        return isolation;
    }

    /** How long reaching the SocksPort and its handshake may take where the application set no timeout. */
    long timeoutNanos() {
        return config.timeoutNanos();
    }

    /**
     * Connects {@code leg} to the SocksPort and has it CONNECT to {@code target}, with the credentials of the
     * target's isolation key; on any failure the leg is closed and the exception says what happened.
     */
    void connect(Leg leg, InetSocketAddress target, long deadline) throws IOException {
        Socks5CommandRequest request = SocksHandshake.connectRequest(target);
        Socks5CommandResponse reply = exchange(leg, request,
                isolation.credentials(target.getHostString(), target.getPort()), deadline);
        if (!reply.status().isSuccess()) {
            leg.close();
            throw new ConnectException("Tor SocksPort " + text + " could not connect to " + Log.scrub(request.dstAddr())
                    + ":" + request.dstPort() + ": " + reply.status() + "; the connection was closed. Check the name "
                    + "and port, and that tor can build circuits.");
        }
    }

    /**
     * One RESOLVE or RESOLVE_PTR of {@code what} (a name, or an address in its text form) over a connection of the
     * agent's own (a SocketChannel, not a java.net.Socket, which an application's SocketImplFactory would make),
     * with the credentials of a lookup of {@code what} by the current thread; every failure is an
     * UnknownHostException.
     */
    Socks5CommandResponse ask(Socks5CommandRequest request, String what) throws UnknownHostException {
        Socks5CommandResponse reply = reply(request, what);
        if (!reply.status().isSuccess()) {
            throw unknownHost(what, "Tor SocksPort " + text + " answered " + reply.status()
                    + ". Check the name, and that tor can build circuits.", null);
        }
        return reply;
    }

    /** As {@link #ask}, but a failure Tor answered is returned, not thrown: only reaching Tor fails. */
    Socks5CommandResponse reply(Socks5CommandRequest request, String what) throws UnknownHostException {
        Socks5CommandResponse reply;
        try (SocketChannel channel = SocketChannel.open()) {
            channel.configureBlocking(false);
            reply = exchange(new Legs.Channel(channel, null), request, isolation.credentials(what, 0),
                    System.nanoTime() + config.timeoutNanos());
        } catch (IOException e) {
            throw unknownHost(what, e.getMessage(), e);
        }
        return reply;
    }

    private Socks5CommandResponse exchange(Leg leg, Socks5CommandRequest request,
            Socks5PasswordAuthRequest credentials, long deadline) throws IOException {
        try {
            leg.connect(config.socksPort(), deadline);
        } catch (IOException e) {
            leg.close();
            throw unreachable(e);
        } catch (RuntimeException e) {
            leg.close();
            throw e;
        }
        try {
            Socks5CommandResponse reply;
            try {
                reply = SocksHandshake.connect(leg.transport(deadline), request, credentials);
            } catch (IOException e) {
                throw handshakeFailed(e);
            }
            if (reply.status().isSuccess()) {
                leg.succeeded();
            }
            return reply;
        } catch (IOException | RuntimeException e) {
            leg.close();
            throw e;
        }
    }

    // ---- words ------------------------------------------------------------------------------------

    /** For a failure to reach the SocksPort itself: what happened, what was done, what to check. */
    IOException unreachable(IOException cause) {
        IOException e;
        if (cause instanceof SocketTimeoutException) {
            e = new SocketTimeoutException("Tor SocksPort " + text + " did not accept the connection in time; "
                    + "nothing was sent to the destination. Is tor running with SocksPort "
                    + config.socksPort().getPort() + "?");
        } else if (isInterrupt(cause)) {
            e = interrupted("while connecting to it");
        } else {
            e = new ConnectException("Tor SocksPort " + text + " refused the connection (" + words(cause)
                    + "); nothing was sent to the destination. Is tor running with SocksPort "
                    + config.socksPort().getPort() + "?");
        }
        e.initCause(cause);
        return e;
    }

    /** For a failure during the handshake: the destination was not reached, and the connection is closed. */
    IOException handshakeFailed(IOException cause) {
        IOException e;
        if (cause instanceof SocketTimeoutException) {
            e = new SocketTimeoutException("Tor SocksPort " + text + " did not answer the SOCKS handshake in time; "
                    + "the connection was closed. Check that tor has bootstrapped (its log says "
                    + "\"Bootstrapped 100%\").");
        } else if (isInterrupt(cause)) {
            e = interrupted("during the SOCKS handshake");
        } else if (cause instanceof SocksHandshake.ClosedDuringHandshake) {
            e = new ConnectException("Tor SocksPort " + text + " closed the connection during the SOCKS handshake; "
                    + "nothing was sent to the destination. Check tor's log for the reason.");
        } else if (cause instanceof SocksHandshake.ProtocolViolation) {
            e = new ConnectException("Tor SocksPort " + text + " is not a usable SOCKS5 server: " + cause.getMessage()
                    + "; the connection was closed. Is " + text + " a Tor SocksPort (not an HTTP or ControlPort)?");
        } else {
            e = new ConnectException("Tor SocksPort " + text + " failed during the SOCKS handshake ("
                    + words(cause) + "); the connection was closed. Check tor's log.");
        }
        e.initCause(cause);
        return e;
    }

    /**
     * An interrupted thread: a channel closes itself on interrupt (ClosedByInterruptException), a future wait
     * ends (InterruptedIOException), a virtual thread's socket closes ("Closed by interrupt").
     */
    private static boolean isInterrupt(IOException cause) {
        return cause instanceof ClosedByInterruptException
                || cause instanceof InterruptedIOException && !(cause instanceof SocketTimeoutException)
                || Thread.currentThread().isInterrupted();
    }

    private IOException interrupted(String when) {
        return new InterruptedIOException("the thread was interrupted " + when + " with Tor SocksPort " + text
                + "; the connection was closed and nothing was sent to the destination. Something in the application "
                + "interrupted the connecting thread (a cancelled task or future); connect again on a thread that is "
                + "not interrupted.");
    }

    private static UnknownHostException unknownHost(String what, String reason, Throwable cause) {
        UnknownHostException e = new UnknownHostException("streamiso could not look up " + Log.scrub(what)
                + " through Tor: " + reason);
        e.initCause(cause);
        return e;
    }

    /** An exception in words: its message, or its type where it has none. */
    private static String words(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isEmpty() ? t.getClass().getSimpleName() : m;
    }
}
