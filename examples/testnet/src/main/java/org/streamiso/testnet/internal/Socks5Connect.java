package org.streamiso.testnet.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A hand-written SOCKS5 CONNECT by hostname, for probing the private network and for its tests.
 *
 * <p>It deliberately does not use the project's SOCKS5 codec: the test network must stay usable
 * while that codec is being written, and must not share its bugs.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions</a>
 */
public final class Socks5Connect {

    /** REP 0x00, succeeded. */
    public static final int REPLY_SUCCEEDED = 0x00;
    /** REP 0x04, host unreachable: Tor's reply when the exit could not resolve the name. */
    public static final int REPLY_HOST_UNREACHABLE = 0x04;

    private static final int VERSION = 0x05;
    private static final int METHOD_NO_AUTH = 0x00;
    private static final int CMD_CONNECT = 0x01;
    private static final int ATYP_IPV4 = 0x01;
    private static final int ATYP_DOMAINNAME = 0x03;
    private static final int ATYP_IPV6 = 0x04;

    private Socks5Connect() {
    }

    /**
     * Connects to {@code socksPort}, negotiates "no authentication" and sends CONNECT for
     * {@code dstAddr:dstPort} as a DOMAINNAME, so the name reaches Tor unresolved.
     *
     * @return the connected socket, ready to carry the stream's bytes
     * @throws Socks5ReplyException when Tor answers with a reply other than succeeded
     * @throws IOException when the SocksPort cannot be reached or stays silent for {@code timeoutMillis}
     */
    public static Socket connect(InetSocketAddress socksPort, String dstAddr, int dstPort, int timeoutMillis)
            throws IOException {
        byte[] name = dstAddr.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length > 255) {
            throw new IllegalArgumentException("dstAddr: \"" + dstAddr + "\" (expected: 1-255 ASCII bytes)");
        }
        if (dstPort < 1 || dstPort > 65535) {
            throw new IllegalArgumentException("dstPort: " + dstPort + " (expected: 1-65535)");
        }
        Socket socket = new Socket();
        try {
            socket.connect(socksPort, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());

            out.write(new byte[] {VERSION, 1, METHOD_NO_AUTH});
            out.flush();
            int version = in.readUnsignedByte();
            int method = in.readUnsignedByte();
            if (version != VERSION || method != METHOD_NO_AUTH) {
                throw new IOException("SocksPort " + socksPort + " chose version " + version + " method " + method
                        + "; no CONNECT was sent. Is a SOCKS5 server with no authentication listening there?");
            }

            byte[] request = new byte[4 + 1 + name.length + 2];
            request[0] = VERSION;
            request[1] = CMD_CONNECT;
            request[2] = 0;
            request[3] = ATYP_DOMAINNAME;
            request[4] = (byte) name.length;
            System.arraycopy(name, 0, request, 5, name.length);
            request[5 + name.length] = (byte) (dstPort >>> 8);
            request[6 + name.length] = (byte) dstPort;
            out.write(request);
            out.flush();

            in.readUnsignedByte(); // VER
            int reply = in.readUnsignedByte();
            in.readUnsignedByte(); // RSV
            int addressType = in.readUnsignedByte();
            int addressLength = switch (addressType) {
                case ATYP_IPV4 -> 4;
                case ATYP_IPV6 -> 16;
                case ATYP_DOMAINNAME -> in.readUnsignedByte();
                default -> throw new IOException("SocksPort " + socksPort + " replied with ATYP " + addressType
                        + " (expected: 1, 3 or 4); the connection was closed.");
            };
            in.readFully(new byte[addressLength + 2]); // BND.ADDR, BND.PORT
            if (reply != REPLY_SUCCEEDED) {
                throw new Socks5ReplyException(reply, socksPort);
            }
            socket.setSoTimeout(0);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** A SOCKS5 reply other than succeeded, with its code. */
    public static final class Socks5ReplyException extends IOException {
        private static final long serialVersionUID = 1L;

        private final int reply;

        Socks5ReplyException(int reply, InetSocketAddress socksPort) {
            super(String.format("SocksPort %s replied 0x%02X (%s); the connection was closed.",
                    socksPort, reply, words(reply)));
            this.reply = reply;
        }

        /** The REP field of the reply. */
        public int reply() {
            return reply;
        }

        private static String words(int reply) {
            return switch (reply) {
                case 0x01 -> "general failure";
                case 0x02 -> "not allowed by ruleset";
                case 0x03 -> "network unreachable";
                case 0x04 -> "host unreachable";
                case 0x05 -> "connection refused";
                case 0x06 -> "TTL expired";
                case 0x07 -> "command not supported";
                case 0x08 -> "address type not supported";
                case 0xF0 -> "onion service descriptor not found";
                case 0xF1 -> "onion service descriptor is invalid";
                case 0xF2 -> "onion service introduction failed";
                case 0xF3 -> "onion service rendezvous failed";
                case 0xF4 -> "onion service missing client authorization";
                case 0xF5 -> "onion service wrong client authorization";
                case 0xF6 -> "onion service address is invalid";
                case 0xF7 -> "onion service introduction timed out";
                default -> "unknown reply";
            };
        }
    }
}
