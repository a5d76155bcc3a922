package org.streamiso.testnet.internal;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;

/**
 * The exit relays' only nameserver: a UDP responder on 127.0.0.1 that answers every query with
 * NXDOMAIN.
 *
 * <p><b>Important:</b> an exit relay resolves the hostnames that clients send in RELAY_BEGIN cells.
 * Left to {@code /etc/resolv.conf}, those queries would leave loopback. Each exit is given a
 * {@code ServerDNSResolvConfFile} naming this responder instead, so a name that exists nowhere
 * fails inside the machine, and Tor reports its resolve failure to the SOCKS client.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1035#section-4.1.1">RFC 1035 4.1.1, header</a>
 */
public final class LoopbackNameserver implements AutoCloseable {

    private static final int HEADER_LENGTH = 12;
    private static final int RCODE_FORMERR = 1;
    private static final int RCODE_NXDOMAIN = 3;

    private final DatagramSocket socket;
    private final Thread thread;

    private LoopbackNameserver(DatagramSocket socket) {
        this.socket = socket;
        this.thread = new Thread(this::serve, "streamiso-testnet-nameserver");
        this.thread.setDaemon(true);
    }

    /** Binds a free UDP port on 127.0.0.1 and starts answering. */
    public static LoopbackNameserver start() throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        LoopbackNameserver nameserver = new LoopbackNameserver(socket);
        nameserver.thread.start();
        return nameserver;
    }

    /** The address to write into a resolv.conf as {@code nameserver 127.0.0.1:PORT}. */
    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                if (!packet.getAddress().isLoopbackAddress()) {
                    continue;
                }
                byte[] reply = answer(Arrays.copyOf(packet.getData(), packet.getLength()));
                if (reply.length > 0) {
                    socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException ignored) {
                // One bad datagram must not stop the responder; the next query gets an answer.
            }
        }
    }

    /**
     * Builds the reply to one query: its header and first question, with QR set and RCODE
     * NXDOMAIN, or FORMERR when the question cannot be parsed. Returns an empty array for a
     * datagram shorter than a header (there is no ID to answer to).
     */
    static byte[] answer(byte[] query) {
        if (query.length < HEADER_LENGTH) {
            return new byte[0];
        }
        int questionEnd = endOfFirstQuestion(query);
        int questions = questionEnd > 0 ? 1 : 0;
        byte[] reply = Arrays.copyOf(query, questionEnd > 0 ? questionEnd : HEADER_LENGTH);
        // Byte 2: QR=1, keep OPCODE and RD; clear AA and TC. Byte 3: RA=1, RCODE.
        reply[2] = (byte) (0x80 | (query[2] & 0x79));
        reply[3] = (byte) (0x80 | (questions == 1 ? RCODE_NXDOMAIN : RCODE_FORMERR));
        reply[4] = 0;
        reply[5] = (byte) questions;
        Arrays.fill(reply, 6, HEADER_LENGTH, (byte) 0);
        return reply;
    }

    /** Returns the offset just past QNAME, QTYPE and QCLASS of the first question, or -1. */
    private static int endOfFirstQuestion(byte[] query) {
        if (query[4] == 0 && query[5] == 0) {
            return -1;
        }
        int offset = HEADER_LENGTH;
        while (offset < query.length) {
            int labelLength = query[offset] & 0xFF;
            if (labelLength == 0) {
                int end = offset + 1 + 4;
                return end <= query.length ? end : -1;
            }
            if (labelLength > 63) {
                return -1; // compression pointers do not occur in a question's first name
            }
            offset += 1 + labelLength;
        }
        return -1;
    }

    @Override
    public void close() {
        socket.close();
    }
}
