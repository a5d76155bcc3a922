package org.streamiso.agent.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Method handles into the JDK's non-public socket methods and fields that a routed connection needs: a
 * SocketImpl's protected connect, streams, close and peer fields, the NIO channels' poll, and the remote
 * address the channels report.
 *
 * <p><b>Important:</b> works only after premain opened {@code java.net} and {@code sun.nio.ch} to this
 * class's module (the bootstrap loader's unnamed module). The handles are looked up on first use, so
 * an application that never connects pays nothing at start-up.
 */
public final class JdkAccess {
    /** poll(2)'s POLLIN and POLLOUT, as sun.nio.ch.Net defines them for this platform. */
    static final int POLLIN;
    static final int POLLOUT;

    private static final MethodHandle IMPL_CONNECT;
    private static final MethodHandle IMPL_INPUT;
    private static final MethodHandle IMPL_OUTPUT;
    private static final MethodHandle IMPL_CLOSE;
    private static final MethodHandle CHANNEL_PARK;
    private static final MethodHandle IMPL_SET_ADDRESS;
    private static final MethodHandle IMPL_SET_PORT;
    private static final MethodHandle IMPL_LOCAL_PORT;
    private static final MethodHandle CHANNEL_SET_REMOTE;
    private static final MethodHandle CHANNEL_STATE_LOCK;
    private static final MethodHandle ASYNC_SET_REMOTE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandles.Lookup impl = MethodHandles.privateLookupIn(SocketImpl.class, lookup);
            IMPL_CONNECT = impl.findVirtual(SocketImpl.class, "connect",
                    MethodType.methodType(void.class, SocketAddress.class, int.class));
            IMPL_INPUT = impl.findVirtual(SocketImpl.class, "getInputStream", MethodType.methodType(InputStream.class));
            IMPL_OUTPUT = impl.findVirtual(SocketImpl.class, "getOutputStream",
                    MethodType.methodType(OutputStream.class));
            IMPL_CLOSE = impl.findVirtual(SocketImpl.class, "close", MethodType.methodType(void.class));
            IMPL_SET_ADDRESS = impl.findSetter(SocketImpl.class, "address", InetAddress.class);
            IMPL_SET_PORT = impl.findSetter(SocketImpl.class, "port", int.class);
            IMPL_LOCAL_PORT = impl.findGetter(SocketImpl.class, "localport", int.class);
            Class<?> channelImpl = Class.forName("sun.nio.ch.SocketChannelImpl", false, null);
            MethodHandles.Lookup channel = MethodHandles.privateLookupIn(channelImpl, lookup);
            CHANNEL_SET_REMOTE = channel.findSetter(channelImpl, "remoteAddress", SocketAddress.class)
                    .asType(MethodType.methodType(void.class, SocketChannel.class, SocketAddress.class));
            CHANNEL_STATE_LOCK = channel.findGetter(channelImpl, "stateLock", Object.class)
                    .asType(MethodType.methodType(Object.class, SocketChannel.class));
            Class<?> asyncImpl = Class.forName("sun.nio.ch.AsynchronousSocketChannelImpl", false, null);
            ASYNC_SET_REMOTE = MethodHandles.privateLookupIn(asyncImpl, lookup)
                    .findSetter(asyncImpl, "remoteAddress", InetSocketAddress.class)
                    .asType(MethodType.methodType(void.class, AsynchronousSocketChannel.class, InetSocketAddress.class));
            Class<?> net = Class.forName("sun.nio.ch.Net", true, null);
            MethodHandles.Lookup nio = MethodHandles.privateLookupIn(net, lookup);
            POLLIN = (short) nio.findStaticVarHandle(net, "POLLIN", short.class).get();
            POLLOUT = (short) nio.findStaticVarHandle(net, "POLLOUT", short.class).get();
            Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl", true, null);
            CHANNEL_PARK = nio.findVirtual(selChImpl, "park", MethodType.methodType(void.class, int.class, long.class))
                    .asType(MethodType.methodType(void.class, SocketChannel.class, int.class, long.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("streamiso cannot reach the JDK's socket internals it routes through ("
                    + e + "); refusing to connect. Is java.base opened to the agent (it must be started with "
                    + "-javaagent, not attached late)?", e);
        }
    }

    private JdkAccess() {
    }

    static void connect(SocketImpl impl, SocketAddress remote, int millis) throws IOException {
        try {
            IMPL_CONNECT.invokeExact(impl, remote, millis);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** JDK 17's legacy datagram implementation, looked up at its first use (the classes are gone in 18). */
    private static final class LegacyDatagram {
        static final MethodHandle SEND0;
        static final MethodHandle CONNECT;
        static final MethodHandle LOCAL_PORT;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                Class<?> plain = Class.forName("java.net.AbstractPlainDatagramSocketImpl", false, null);
                MethodHandles.Lookup impl = MethodHandles.privateLookupIn(java.net.DatagramSocketImpl.class, lookup);
                SEND0 = MethodHandles.privateLookupIn(plain, lookup)
                        .findVirtual(plain, "send0", MethodType.methodType(void.class, java.net.DatagramPacket.class))
                        .asType(MethodType.methodType(void.class, java.net.DatagramSocketImpl.class,
                                java.net.DatagramPacket.class));
                CONNECT = impl.findVirtual(java.net.DatagramSocketImpl.class, "connect",
                        MethodType.methodType(void.class, InetAddress.class, int.class));
                LOCAL_PORT = impl.findGetter(java.net.DatagramSocketImpl.class, "localPort", int.class);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("streamiso cannot reach JDK 17's legacy datagram implementation (" + e
                        + "); the datagram was not sent.", e);
            }
        }
    }

    /** {@code DatagramSocketImpl.localPort} of a bound legacy socket. */
    public static int localPort(java.net.DatagramSocketImpl impl) {
        try {
            return (int) LegacyDatagram.LOCAL_PORT.invokeExact(impl);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The legacy implementation's native send, without its hook. */
    public static void send0(java.net.DatagramSocketImpl impl, java.net.DatagramPacket packet) throws IOException {
        try {
            LegacyDatagram.SEND0.invokeExact(impl, packet);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** The legacy implementation's connect, through its hook, which lets a responder through. */
    public static void connect(java.net.DatagramSocketImpl impl, InetAddress address, int port) throws IOException {
        try {
            LegacyDatagram.CONNECT.invokeExact(impl, address, port);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** {@code SocketImpl.localport}, set once the implementation connected. */
    static int localPort(SocketImpl impl) {
        try {
            return (int) IMPL_LOCAL_PORT.invokeExact(impl);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static InputStream inputStream(SocketImpl impl) throws IOException {
        try {
            return (InputStream) IMPL_INPUT.invokeExact(impl);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    static OutputStream outputStream(SocketImpl impl) throws IOException {
        try {
            return (OutputStream) IMPL_OUTPUT.invokeExact(impl);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** Closes quietly: used only on a connection that already failed. */
    static void closeQuietly(SocketImpl impl) {
        try {
            IMPL_CLOSE.invokeExact(impl);
        } catch (Throwable ignored) {
            // The connection failed already; the caller throws the reason.
        }
    }

    /** Waits until the channel is ready for {@code event} or {@code nanos} passed ({@code Long.MAX_VALUE}: no limit). */
    static void park(SocketChannel channel, int event, long nanos) throws IOException {
        try {
            CHANNEL_PARK.invokeExact(channel, event, nanos == Long.MAX_VALUE ? 0L : nanos);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /**
     * Makes a routed {@code java.net.Socket} report {@code peer} (what the application asked for) instead of the
     * SocksPort: {@code Socket.getInetAddress()}, {@code getPort()} and {@code getRemoteSocketAddress()} read
     * these fields, and so do SSLSocket's peer host (SNI, endpoint identification, the session cache key) and
     * the FTP client's passive data address.
     */
    static void reportPeer(SocketImpl impl, InetSocketAddress peer) {
        try {
            IMPL_SET_ADDRESS.invokeExact(impl, peer.getAddress());
            IMPL_SET_PORT.invokeExact(impl, peer.getPort());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Makes a routed SocketChannel (and its socket adaptor, which asks the channel) report {@code peer}; the
     * field is guarded by the channel's state lock, as in the JDK.
     */
    static void reportPeer(SocketChannel channel, InetSocketAddress peer) {
        try {
            Object stateLock = (Object) CHANNEL_STATE_LOCK.invokeExact(channel);
            synchronized (stateLock) { // a field write, no I/O: nothing to pin
                CHANNEL_SET_REMOTE.invokeExact(channel, (SocketAddress) peer);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Makes a routed AsynchronousSocketChannel report {@code peer} (a volatile field in the JDK). */
    static void reportPeer(AsynchronousSocketChannel channel, InetSocketAddress peer) {
        try {
            ASYNC_SET_REMOTE.invokeExact(channel, peer);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
