package org.streamiso.agent.instrument.datagram;

import java.util.List;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * UDP, which Tor cannot carry: every send, connect and multicast join of {@code DatagramChannel}, and of
 * {@code DatagramSocket} and {@code MulticastSocket} (built on it since JDK 15, and on JDK 17's legacy
 * implementation with {@code -Djdk.net.usePlainDatagramSocketImpl}), is checked before it reaches the kernel.
 */
public final class DatagramInstrumentation {
    private static final String CHANNEL = "sun/nio/ch/DatagramChannelImpl";
    private static final String LEGACY = "java/net/AbstractPlainDatagramSocketImpl";
    private static final String CHECK_ADDRESS = "(Ljava/net/SocketAddress;)V";

    private DatagramInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 and 25: also the socket adaptor's blockingSend on both.
                new HookPoint(CHANNEL, "send", "(Ljava/nio/ByteBuffer;Ljava/net/SocketAddress;)I",
                        "datagramChannelSend", CHECK_ADDRESS, new int[] {2}, Kind.CALL),
                // JDK 17 and 25: DatagramChannel.connect and the adaptor's connect.
                new HookPoint(CHANNEL, "connect", "(Ljava/net/SocketAddress;Z)Ljava/nio/channels/DatagramChannel;",
                        "datagramChannelConnect", CHECK_ADDRESS, new int[] {1}, Kind.CALL),
                // JDK 17 and 25: every join overload, of the channel and of MulticastSocket's adaptor.
                new HookPoint(CHANNEL, "innerJoin", "(Ljava/net/InetAddress;Ljava/net/NetworkInterface;"
                        + "Ljava/net/InetAddress;)Ljava/nio/channels/MembershipKey;",
                        "multicastJoin", "(Ljava/net/InetAddress;)V", new int[] {1}, Kind.CALL),
                // JDK 17 legacy implementation (removed in 18): its native send0 and connect0 skip sun.nio.ch.
                new HookPoint(LEGACY, "send", "(Ljava/net/DatagramPacket;)V",
                        "datagramImplSend", "(Ljava/net/DatagramPacket;)V", new int[] {1}, Kind.CALL),
                new HookPoint(LEGACY, "connect", "(Ljava/net/InetAddress;I)V",
                        "datagramImplConnect", "(Ljava/net/InetAddress;I)V", new int[] {1, 2}, Kind.CALL),
                new HookPoint(LEGACY, "join", "(Ljava/net/InetAddress;)V",
                        "multicastJoin", "(Ljava/net/InetAddress;)V", new int[] {1}, Kind.CALL),
                new HookPoint(LEGACY, "joinGroup", "(Ljava/net/SocketAddress;Ljava/net/NetworkInterface;)V",
                        "multicastJoinGroup", CHECK_ADDRESS, new int[] {1}, Kind.CALL));
    }
}
