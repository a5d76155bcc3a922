package org.streamiso.agent.instrument.datagram;

import java.util.List;
import org.streamiso.agent.bootstrap.datagram.DatagramHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * UDP, which Tor cannot carry: every send, connect and multicast join of {@code DatagramChannel}, and of
 * {@code DatagramSocket} and {@code MulticastSocket} (built on it since JDK 15, and on JDK 17's legacy
 * implementation with {@code -Djdk.net.usePlainDatagramSocketImpl}), is checked before it reaches the kernel.
 */
public final class DatagramInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = DatagramHooks.class;
    private static final String CHANNEL = "sun/nio/ch/DatagramChannelImpl";
    private static final String LEGACY = "java/net/AbstractPlainDatagramSocketImpl";
    private static final String CHECK_ADDRESS = "(Ljava/net/SocketAddress;)V";

    private DatagramInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 and 25: also the socket adaptor's blockingSend on both. A DNS query goes to the in-JVM
                // DNS server (its responder, or answered at once) instead of its nameserver.
                new HookPoint(CHANNEL, "send", "(Ljava/nio/ByteBuffer;Ljava/net/SocketAddress;)I",
                        HOOKS, "datagramChannelSend", "(Ljava/nio/channels/DatagramChannel;Ljava/nio/ByteBuffer;"
                        + "Ljava/net/SocketAddress;)I", new int[] {0, 1, 2}, Kind.RETURN_IF_NOT_NEGATIVE),
                // JDK 17 and 25: DatagramChannel.connect and the adaptor's connect.
                new HookPoint(CHANNEL, "connect", "(Ljava/net/SocketAddress;Z)Ljava/nio/channels/DatagramChannel;",
                        HOOKS, "datagramChannelConnect", "(Ljava/nio/channels/DatagramChannel;Ljava/net/SocketAddress;)"
                        + "Ljava/net/SocketAddress;", new int[] {0, 1}, Kind.REPLACE_ARG),
                // JDK 17 and 25: the sender of every datagram received (receive, the adaptor's receive), and the
                // peer of a connected channel and its adaptor: a DNS responder reports its nameserver.
                new HookPoint(CHANNEL, "sourceSocketAddress", "()Ljava/net/InetSocketAddress;", HOOKS, "datagramPeer",
                        "(Ljava/net/InetSocketAddress;)Ljava/net/InetSocketAddress;", new int[0], Kind.FILTER_RETURN),
                new HookPoint(CHANNEL, "remoteAddress", "()Ljava/net/InetSocketAddress;", HOOKS, "datagramPeer",
                        "(Ljava/net/InetSocketAddress;)Ljava/net/InetSocketAddress;", new int[0], Kind.FILTER_RETURN),
                new HookPoint(CHANNEL, "getRemoteAddress", "()Ljava/net/SocketAddress;", HOOKS, "datagramRemote",
                        "(Ljava/net/SocketAddress;)Ljava/net/SocketAddress;", new int[0], Kind.FILTER_RETURN),
                // JDK 17 and 25: every join overload, of the channel and of MulticastSocket's adaptor.
                new HookPoint(CHANNEL, "innerJoin", "(Ljava/net/InetAddress;Ljava/net/NetworkInterface;"
                        + "Ljava/net/InetAddress;)Ljava/nio/channels/MembershipKey;",
                        HOOKS, "multicastJoin", "(Ljava/net/InetAddress;)V", new int[] {1}, Kind.CALL),
                // JDK 17 legacy implementation (removed in 18): its native send0 and connect0 skip sun.nio.ch.
                new HookPoint(LEGACY, "send", "(Ljava/net/DatagramPacket;)V",
                        HOOKS, "datagramImplSend", "(Ljava/net/DatagramSocketImpl;Ljava/net/DatagramPacket;)Z",
                        new int[] {0, 1}, Kind.SKIP_IF_TRUE),
                new HookPoint(LEGACY, "connect", "(Ljava/net/InetAddress;I)V",
                        HOOKS, "datagramImplConnect", "(Ljava/net/DatagramSocketImpl;Ljava/net/InetAddress;I)Z",
                        new int[] {0, 1, 2}, Kind.SKIP_IF_TRUE),
                new HookPoint(LEGACY, "receive", "(Ljava/net/DatagramPacket;)V",
                        HOOKS, "datagramImplReceived", "(Ljava/net/DatagramPacket;)V", new int[] {1},
                        Kind.CALL_AT_EXIT),
                new HookPoint(LEGACY, "join", "(Ljava/net/InetAddress;)V",
                        HOOKS, "multicastJoin", "(Ljava/net/InetAddress;)V", new int[] {1}, Kind.CALL),
                new HookPoint(LEGACY, "joinGroup", "(Ljava/net/SocketAddress;Ljava/net/NetworkInterface;)V",
                        HOOKS, "multicastJoinGroup", CHECK_ADDRESS, new int[] {1}, Kind.CALL));
    }
}
