package org.streamiso.agent.bootstrap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.net.SocketOptions;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The application's connections on their way to the SocksPort, one {@link SocksPort.Leg} per JDK API: each
 * connects its own socket or channel to the SocksPort (that connect passes the hooks, which let the SocksPort
 * through), bounds the handshake by the deadline, and afterwards restores the application's settings and reports
 * the destination the application asked for as the peer.
 *
 * <p>The socket hooks ({@code org.streamiso.agent.bootstrap.socket.SocketHooks}) decide where a connection goes
 * and call one {@code connect} here per API; each reports the destination the application asked for
 * ({@code remote}) as the peer, and on any failure closes the connection and throws what happened.
 */
public final class Legs {
    private Legs() {
    }

    /**
     * Connects a {@code java.net.Socket}'s implementation through the SocksPort to {@code target}, or, where
     * {@code responder} is not null, to that TCP responder of the in-JVM DNS server.
     */
    public static void connect(Router router, SocketImpl impl, SocketAddress remote, InetSocketAddress target,
            InetSocketAddress responder, long deadline) throws IOException {
        connect(router, new Impl(impl, router.reportedPeer(remote)), target, responder, deadline);
    }

    /** As the {@code SocketImpl} one, for {@code SocketChannel.socket()}. */
    public static void connect(Router router, Socket adaptor, SocketAddress remote, InetSocketAddress target,
            InetSocketAddress responder, long deadline) throws IOException {
        connect(router, new Adaptor(adaptor, router.reportedPeer(remote)), target, responder, deadline);
    }

    /** As the {@code SocketImpl} one, for an AsynchronousSocketChannel. */
    public static void connect(Router router, AsynchronousSocketChannel channel, SocketAddress remote,
            InetSocketAddress target, InetSocketAddress responder, long deadline) throws IOException {
        connect(router, new Async(channel, router.reportedPeer(remote)), target, responder, deadline);
    }

    /** Connects a SocketChannel through the SocksPort to {@code target}. */
    public static void connect(Router router, SocketChannel channel, SocketAddress remote, InetSocketAddress target,
            long deadline) throws IOException {
        router.socksPort().connect(new Channel(channel, router.reportedPeer(remote)), target, deadline);
    }

    /**
     * Connects a SocketChannel to a TCP responder of the in-JVM DNS server with the JDK's own connect, not through
     * the SocksPort: a non-blocking channel stays pending until {@code finishConnect}, as its selector loop expects
     * (dnsjava's TCP client needs that). Returns what {@link SocketChannel#connect} returned.
     */
    public static boolean connectToDnsServer(Router router, SocketChannel channel, SocketAddress remote,
            InetSocketAddress responder) throws IOException {
        if (channel.getLocalAddress() == null) {
            // Bound as the kernel would bind it for a loopback destination, so that the server learns whose
            // key the queries carry before a pending connect completes.
            channel.bind(new InetSocketAddress(responder.getAddress(), 0));
        }
        router.dnsServer().tcpConnected(((InetSocketAddress) channel.getLocalAddress()).getPort());
        boolean connected = channel.connect(responder);
        JdkAccess.reportPeer(channel, router.reportedPeer(remote));
        return connected;
    }

    private static void connect(Router router, SocksPort.Leg leg, InetSocketAddress target,
            InetSocketAddress responder, long deadline) throws IOException {
        if (responder != null) {
            connectDnsServer(leg, responder, deadline, router.dnsServer());
        } else {
            router.socksPort().connect(leg, target, deadline);
        }
    }

    /** A {@code java.net.Socket}'s implementation; the handshake reads with SO_TIMEOUT. */
    static final class Impl implements SocksPort.Leg {
        private final SocketImpl impl;
        private final InetSocketAddress peer;
        private Object previousTimeout;

        Impl(SocketImpl impl, InetSocketAddress peer) {
            this.impl = impl;
            this.peer = peer;
        }

        @Override
        public void connect(InetSocketAddress socksPort, long deadline) throws IOException {
            JdkAccess.connect(impl, socksPort, Transport.millisLeft(deadline));
        }

        @Override
        public Transport transport(long deadline) throws IOException {
            previousTimeout = impl.getOption(SocketOptions.SO_TIMEOUT);
            return Transport.of(JdkAccess.inputStream(impl), JdkAccess.outputStream(impl),
                    millis -> impl.setOption(SocketOptions.SO_TIMEOUT, millis), deadline);
        }

        @Override
        public void succeeded() throws IOException {
            impl.setOption(SocketOptions.SO_TIMEOUT, previousTimeout);
            JdkAccess.reportPeer(impl, peer);
        }

        @Override
        public int localPort() {
            return JdkAccess.localPort(impl);
        }

        @Override
        public void close() {
            JdkAccess.closeQuietly(impl);
        }
    }

    /**
     * A SocketChannel (the application's, or a lookup's own, which reports no peer: {@code peer} null); a blocking
     * one has no read timeout, so it is non-blocking during the handshake, waiting with
     * the JDK's own poll, and blocking again afterwards.
     */
    static final class Channel implements SocksPort.Leg {
        private final SocketChannel channel;
        private final InetSocketAddress peer;
        private final boolean blocking;

        Channel(SocketChannel channel, InetSocketAddress peer) {
            this.channel = channel;
            this.peer = peer;
            this.blocking = channel.isBlocking();
        }

        @Override
        public void connect(InetSocketAddress socksPort, long deadline) throws IOException {
            if (blocking) {
                channel.configureBlocking(false);
            }
            try {
                Transport.connect(channel, socksPort, deadline, blocking);
            } catch (RuntimeException e) {
                // An unchecked failure of the JDK's own (UnsupportedAddressTypeException): the channel is closed by
                // the caller; it must not stay non-blocking meanwhile.
                restoreBlocking();
                throw e;
            }
        }

        @Override
        public Transport transport(long deadline) {
            return Transport.of(channel, deadline, blocking);
        }

        private void restoreBlocking() {
            if (blocking && channel.isOpen()) {
                try {
                    channel.configureBlocking(true);
                } catch (IOException | RuntimeException ignored) {
                    // It is closed next.
                }
            }
        }

        @Override
        public void succeeded() throws IOException {
            if (blocking) {
                channel.configureBlocking(true);
            }
            if (peer != null) {
                JdkAccess.reportPeer(channel, peer);
            }
        }

        @Override
        public int localPort() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    /** {@code SocketChannel.socket()}: the adaptor's streams honour SO_TIMEOUT. */
    static final class Adaptor implements SocksPort.Leg {
        private final Socket adaptor;
        private final InetSocketAddress peer;
        private int previousTimeout;

        Adaptor(Socket adaptor, InetSocketAddress peer) {
            this.adaptor = adaptor;
            this.peer = peer;
        }

        @Override
        public void connect(InetSocketAddress socksPort, long deadline) throws IOException {
            adaptor.connect(socksPort, Transport.millisLeft(deadline));
        }

        @Override
        public Transport transport(long deadline) throws IOException {
            previousTimeout = adaptor.getSoTimeout();
            return Transport.of(adaptor.getInputStream(), adaptor.getOutputStream(), adaptor::setSoTimeout, deadline);
        }

        @Override
        public void succeeded() throws IOException {
            adaptor.setSoTimeout(previousTimeout);
            JdkAccess.reportPeer(adaptor.getChannel(), peer);
        }

        @Override
        public int localPort() {
            return adaptor.getLocalPort();
        }

        @Override
        public void close() {
            closeQuietly(adaptor);
        }
    }

    /** An AsynchronousSocketChannel, waiting on each operation's future until the deadline. */
    static final class Async implements SocksPort.Leg {
        private final AsynchronousSocketChannel channel;
        private final InetSocketAddress peer;

        Async(AsynchronousSocketChannel channel, InetSocketAddress peer) {
            this.channel = channel;
            this.peer = peer;
        }

        @Override
        public void connect(InetSocketAddress socksPort, long deadline) throws IOException {
            Transport.await(channel.connect(socksPort), deadline);
        }

        @Override
        public Transport transport(long deadline) {
            return Transport.of(channel, deadline);
        }

        @Override
        public void succeeded() {
            JdkAccess.reportPeer(channel, peer);
        }

        @Override
        public int localPort() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    /**
     * Connects a leg to a TCP responder of the in-JVM DNS server instead of the SocksPort: no handshake; the leg
     * reports the nameserver as its peer, and the server learns whose key the connection's queries carry.
     */
    static void connectDnsServer(SocksPort.Leg leg, InetSocketAddress responder, long deadline, DnsServer dns)
            throws IOException {
        try {
            leg.connect(responder, deadline);
            leg.transport(deadline);
            dns.tcpConnected(leg.localPort());
            leg.succeeded();
        } catch (IOException | RuntimeException e) {
            leg.close();
            throw e;
        }
    }

    /** Closes a connection that failed; the caller throws the reason. */
    public static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // The connection failed already; the caller throws the reason.
        }
    }
}
