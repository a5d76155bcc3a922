package org.streamiso.testnet.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5Decoded;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5InitialResponse;
import org.streamiso.socks.Socks5Reader;

/**
 * A SOCKS5 CONNECT by hostname with the project's codec, one message at a time, for probing the private
 * network and for its tests.
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
        Socket socket = new Socket();
        try {
            socket.connect(socksPort, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();

            out.write(Socks5Codec.encode(new Socks5InitialRequest(List.of(Socks5AuthMethod.NO_AUTH))));
            out.flush();
            Socks5InitialResponse choice = read(in, socksPort, Socks5Codec::decodeInitialResponse);
            if (!choice.authMethod().equals(Socks5AuthMethod.NO_AUTH)) {
                throw new IOException("SocksPort " + socksPort + " chose " + choice.authMethod()
                        + "; no CONNECT was sent. Is a SOCKS5 server with no authentication listening there?");
            }
            out.write(Socks5Codec.encode(request));
            out.flush();
            Socks5CommandResponse reply = read(in, socksPort, Socks5Codec::decodeCommandResponse);
            if (!reply.status().isSuccess()) {
                throw new Socks5ReplyException(reply.status(), socksPort);
            }
            socket.setSoTimeout(0);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static <T> T read(InputStream in, InetSocketAddress socksPort,
            Function<ByteBuffer, Socks5Decoded<T>> decoder) throws IOException {
        try {
            return Socks5Reader.read(Socks5Reader.of(in), decoder);
        } catch (Socks5Reader.MalformedException e) {
            throw new IOException("SocksPort " + socksPort + " answered something that is not SOCKS5 ("
                    + e.getMessage() + "); the connection was closed.", e);
        } catch (EOFException e) {
            throw new IOException("SocksPort " + socksPort + " closed the connection during the handshake.", e);
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
