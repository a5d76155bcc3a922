package org.streamiso.testnet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.streamiso.socks.Socks5ClientHandshake;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5HandshakeFailure;
import org.streamiso.socks.Socks5Step;
import org.streamiso.socks.Socks5Reader;

/**
 * A SOCKS5 CONNECT by hostname with the project's client handshake ({@link Socks5ClientHandshake}, one message
 * at a time), for probing the private network and for its tests.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 */
public final class Socks5Connect {

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
        Socks5CommandRequest request = Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, dstAddr, dstPort);
        // One message at a time: no CONNECT leaves before the SocksPort chose "no authentication".
        Socks5ClientHandshake handshake = Socks5ClientHandshake.stepByStep(request, null);
        Socket socket = new Socket();
        try {
            socket.connect(socksPort, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            Socks5Reader.Source source = (into, offset, length) -> {
                if (in.readNBytes(into, offset, length) != length) {
                    throw new IOException("SocksPort " + socksPort + " closed the connection during the handshake.");
                }
            };
            byte[] buf = new byte[Socks5ClientHandshake.MAX_MESSAGE];
            ByteBuffer received = ByteBuffer.wrap(buf, 0, 0);
            while (true) {
                Socks5Step<Socks5CommandResponse> step = handshake.next(received);
                if (step.isSend()) {
                    out.write(step.bytes());
                    out.flush();
                } else if (step.needsMore()) {
                    // Exactly the bytes the handshake asks for: the stream's first bytes stay in the socket.
                    received = Socks5Reader.readStep(source, buf, received, step);
                } else if (step.isFailed()) {
                    Socks5HandshakeFailure failure = step.failure();
                    if (failure.kind() == Socks5HandshakeFailure.Kind.NO_ACCEPTABLE_METHOD) {
                        throw new IOException("SocksPort " + socksPort + " is not usable: " + failure.description()
                                + "; no CONNECT was sent. Is a SOCKS5 server with no authentication listening there?");
                    }
                    throw new IOException("SocksPort " + socksPort + " is not usable: " + failure.description()
                            + "; the connection was closed.");
                } else {
                    Socks5CommandResponse reply = step.result();
                    if (!reply.status().isSuccess()) {
                        throw new Socks5ReplyException(reply.status(), socksPort);
                    }
                    socket.setSoTimeout(0);
                    return socket;
                }
            }
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** A SOCKS5 reply other than succeeded, with its code. */
    public static final class Socks5ReplyException extends IOException {
        private static final long serialVersionUID = 1L;

        private final transient Socks5CommandStatus reply;

        Socks5ReplyException(Socks5CommandStatus reply, InetSocketAddress socksPort) {
            super("SocksPort " + socksPort + " replied " + reply + "; the connection was closed.");
            this.reply = reply;
        }

        /** The REP field of the reply. */
        public Socks5CommandStatus reply() {
            return reply;
        }
    }
}
