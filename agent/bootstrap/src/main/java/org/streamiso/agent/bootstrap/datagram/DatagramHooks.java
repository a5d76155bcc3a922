package org.streamiso.agent.bootstrap.datagram;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.streamiso.agent.bootstrap.DnsServer;
import org.streamiso.agent.bootstrap.InstalledAgent;
import org.streamiso.agent.bootstrap.JdkAccess;
import org.streamiso.agent.bootstrap.LeakReport;
import org.streamiso.agent.bootstrap.Log;
import org.streamiso.agent.bootstrap.Router;

/**
 * The hooks of {@code org.streamiso.agent.instrument.datagram}: UDP, which Tor cannot carry. A DNS query goes to
 * the in-JVM DNS server ({@link DnsServer}) and its answer reports the nameserver the application asked; any other
 * datagram, connect or multicast join outside the bypass is refused.
 *
 * <p><b>Important:</b> loaded by the bootstrap class loader and called from inside {@code java.net} and
 * {@code sun.nio.ch}; signatures use {@code java.*} types only. Every refusal is thrown; nothing is sent.
 */
public final class DatagramHooks {
    private DatagramHooks() {
    }

    /**
     * {@code sun.nio.ch.DatagramChannelImpl#send(ByteBuffer,SocketAddress)} (JDK 17, 25): DatagramChannel, and
     * DatagramSocket and MulticastSocket, whose adaptor sends through it; hence JNDI's DNS client. A DNS query to
     * port 53 outside the bypass goes to the in-JVM DNS server (the result of that send is returned); anything else
     * that the {@code udp} argument does not allow is refused; -1 lets the JDK send.
     */
    public static int datagramChannelSend(DatagramChannel channel, ByteBuffer src, SocketAddress target)
            throws IOException {
        DnsServer dns = InstalledAgent.router().dnsServer();
        if (dns != null && target instanceof InetSocketAddress && !((InetSocketAddress) target).isUnresolved()) {
            if (dns.isOwn(channel)) {
                if (((InetSocketAddress) target).getAddress().isLoopbackAddress()) {
                    return -1; // an answer, on its way to the application's socket on loopback
                }
                String message = "streamiso's in-JVM DNS server refused to send an answer to " + Log.scrub(
                        ((InetSocketAddress) target).getHostString()) + ", which is not a loopback address; nothing was "
                        + "sent. This is a bug in streamiso: please report it.";
                LeakReport.refused(LeakReport.Kind.DATAGRAM, "DatagramChannel.send", message);
                throw new SocketException(message);
            }
            if (dns.answers((InetSocketAddress) target)) {
                return dns.send(channel, src, (InetSocketAddress) target);
            }
        }
        checkDatagram(target, "DatagramChannel.send");
        return -1;
    }

    /**
     * {@code sun.nio.ch.DatagramChannelImpl#connect(SocketAddress,boolean)} (JDK 17, 25): a channel connected to a
     * nameserver outside the bypass is connected to the in-JVM DNS server's responder, and reports the nameserver.
     */
    public static SocketAddress datagramChannelConnect(DatagramChannel channel, SocketAddress target)
            throws IOException {
        DnsServer dns = InstalledAgent.router().dnsServer();
        if (dns != null && target instanceof InetSocketAddress && !((InetSocketAddress) target).isUnresolved()
                && dns.answers((InetSocketAddress) target)) {
            return dns.connectTo(channel, (InetSocketAddress) target);
        }
        checkDatagram(target, "DatagramChannel.connect");
        return target;
    }

    /**
     * The return value of {@code sun.nio.ch.DatagramChannelImpl#sourceSocketAddress()} (the sender of every
     * datagram received, JDK 17, 25) and {@code #remoteAddress()} (the socket adaptor's peer): a responder of the
     * in-JVM DNS server stands for the nameserver the application asked.
     */
    public static InetSocketAddress datagramPeer(InetSocketAddress address) {
        Router r = InstalledAgent.routerOrNull();
        DnsServer dns = r == null ? null : r.dnsServer();
        return dns == null ? address : dns.reported(address);
    }

    /** The return value of {@code sun.nio.ch.DatagramChannelImpl#getRemoteAddress()}: as {@link #datagramPeer}. */
    public static SocketAddress datagramRemote(SocketAddress address) {
        return address instanceof InetSocketAddress ? datagramPeer((InetSocketAddress) address) : address;
    }

    /**
     * {@code java.net.AbstractPlainDatagramSocketImpl#send(DatagramPacket)} (JDK 17 legacy implementation): a DNS
     * query outside the bypass is sent to the in-JVM DNS server's responder instead (the application's packet is left
     * as it is); returns true when it was.
     */
    public static boolean datagramImplSend(DatagramSocketImpl impl, DatagramPacket packet) throws IOException {
        InetAddress address = packet.getAddress();
        if (address == null) {
            return false;
        }
        InetSocketAddress target = new InetSocketAddress(address, packet.getPort());
        DnsServer dns = InstalledAgent.router().dnsServer();
        if (dns != null && dns.answers(target)) {
            byte[] data = packet.getData();
            int at = packet.getOffset();
            int id = packet.getLength() >= 2 ? ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff) : -1;
            InetSocketAddress responder = dns.sendTo(JdkAccess.localPort(impl), id, target);
            JdkAccess.send0(impl, new DatagramPacket(data, at, packet.getLength(), responder));
            return true;
        }
        checkDatagram(target, "DatagramSocket.send");
        return false;
    }

    /**
     * {@code java.net.AbstractPlainDatagramSocketImpl#connect(InetAddress,int)} (JDK 17 legacy implementation): a
     * socket connected to a nameserver outside the bypass is connected to the in-JVM DNS server's responder (the
     * DatagramSocket still reports the nameserver); returns true when it was.
     */
    public static boolean datagramImplConnect(DatagramSocketImpl impl, InetAddress address, int port)
            throws IOException {
        if (address == null) {
            return false;
        }
        InetSocketAddress target = new InetSocketAddress(address, port);
        DnsServer dns = InstalledAgent.router().dnsServer();
        if (dns != null && dns.answers(target)) {
            InetSocketAddress responder = dns.connectTo(JdkAccess.localPort(impl), target);
            JdkAccess.connect(impl, responder.getAddress(), responder.getPort());
            return true;
        }
        checkDatagram(target, "DatagramSocket.connect");
        return false;
    }

    /**
     * At the return of {@code java.net.AbstractPlainDatagramSocketImpl#receive(DatagramPacket)} (JDK 17 legacy
     * implementation): an answer of the in-JVM DNS server comes from the nameserver the application asked.
     */
    public static void datagramImplReceived(DatagramPacket packet) {
        Router r = InstalledAgent.routerOrNull();
        DnsServer dns = r == null ? null : r.dnsServer();
        if (dns != null && packet.getAddress() != null) {
            InetSocketAddress from = new InetSocketAddress(packet.getAddress(), packet.getPort());
            InetSocketAddress reported = dns.reported(from);
            if (reported != from) {
                packet.setSocketAddress(reported);
            }
        }
    }

    private static void checkDatagram(SocketAddress target, String api) throws IOException {
        if (!(target instanceof InetSocketAddress)) {
            return; // The JDK rejects it.
        }
        Router r = InstalledAgent.router();
        InetSocketAddress isa = (InetSocketAddress) target;
        if (isa.isUnresolved() ? r.config().bypass().matchesName(isa.getHostString())
                : r.allowsDatagram(isa.getAddress())
                || r.dnsServer() != null && r.dnsServer().isResponder(isa.getAddress(), isa.getPort())) {
            return;
        }
        String message = "streamiso refused a UDP datagram to " + Log.scrub(isa.getHostString()) + ":" + isa.getPort()
                + ": UDP cannot go through Tor, which carries only TCP; nothing was sent. Use TCP (names: "
                + "InetAddress lookups go through Tor), or udp=loopback or bypass= for a local destination."
                + (isa.getPort() == 53 && !r.config().dnsServer() ? " dns-server=on answers DNS queries inside the "
                + "JVM, through Tor." : "");
        LeakReport.refused(LeakReport.Kind.DATAGRAM, api, message);
        throw new SocketException(message);
    }

    /**
     * {@code sun.nio.ch.DatagramChannelImpl#innerJoin} (JDK 17, 25) and the JDK 17 legacy implementation's
     * {@code join}: joining a group makes the kernel announce this machine on the local network (IGMP/MLD).
     */
    public static void multicastJoin(InetAddress group) throws IOException {
        Router r = InstalledAgent.router();
        if (group == null || r.allowsDatagram(group)) {
            return;
        }
        String message = "streamiso refused to join multicast group " + Log.scrub(group.getHostAddress())
                + ": joining announces this machine on the local network, outside Tor; nothing was sent. Add the "
                + "group to bypass= if it must be joined.";
        LeakReport.refused(LeakReport.Kind.DATAGRAM, "MulticastSocket.joinGroup", message);
        throw new SocketException(message);
    }

    /** {@code java.net.AbstractPlainDatagramSocketImpl#joinGroup(SocketAddress,NetworkInterface)} (JDK 17 legacy). */
    public static void multicastJoinGroup(SocketAddress group) throws IOException {
        if (group instanceof InetSocketAddress) {
            multicastJoin(((InetSocketAddress) group).getAddress());
        }
    }
}
