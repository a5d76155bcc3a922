package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.streamiso.socks.Socks5ClientHandshake;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5Reader;
import org.streamiso.socks.Socks5Step;

/**
 * The client side of one SOCKS5 CONNECT, RESOLVE or RESOLVE_PTR over an already connected {@link Transport};
 * {@link SocksPort} puts its failures in words.
 *
 * <p>The greeting, the RFC 1929 credentials and the request leave in one write: Tor (and proxy-core)
 * parse pipelined SOCKS messages, and it saves two round trips per connection. Replies are read exactly as
 * {@link Socks5ClientHandshake} asks for them, so nothing after the reply is consumed.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions</a>
 */
final class SocksHandshake {
    private SocksHandshake() {
    }

    /** The SocksPort closed the connection before the handshake ended. */
    static final class ClosedDuringHandshake extends IOException {
        private static final long serialVersionUID = 1L;

        ClosedDuringHandshake() {
            super("the connection closed during the SOCKS handshake");
        }
    }

    /** The SocksPort answered something that is not SOCKS5. */
    static final class ProtocolViolation extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolViolation(String message) {
            super(message);
        }
    }

    /**
     * The request that carries {@code target}: its name where the application gave one, else its address, as
     * bytes: an IPv6 zone ({@code %eth0}) never reaches the SocksPort.
     */
    static Socks5CommandRequest connectRequest(InetSocketAddress target) {
        String host = target.getHostString();
        InetAddress address = target.getAddress();
        if (target.isUnresolved() || !host.equals(address.getHostAddress()) && Socks5Address.parseLiteralIgnoringZone(host) == null) {
            return Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, host, target.getPort());
        }
        return Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT, address, target.getPort());
    }

    /**
     * Runs the handshake; on success the transport carries the application's bytes to the destination. The
     * protocol is {@link Socks5ClientHandshake}'s; this drives it over the transport, reading exactly the bytes it
     * asks for.
     *
     * @throws IOException a {@link ClosedDuringHandshake}, a {@link ProtocolViolation} or the transport's own; the
     *                     caller closes the connection
     */
    static Socks5CommandResponse connect(Transport transport, Socks5CommandRequest request,
            Socks5PasswordAuthRequest credentials) throws IOException {
        Socks5ClientHandshake handshake = Socks5ClientHandshake.pipelined(request, credentials);
        byte[] buf = new byte[Socks5ClientHandshake.MAX_MESSAGE];
        ByteBuffer in = ByteBuffer.wrap(buf, 0, 0);
        while (true) {
            Socks5Step<Socks5CommandResponse> step = handshake.next(in);
            if (step.isSend()) {
                transport.write(step.bytes());
            } else if (step.needsMore()) {
                in = Socks5Reader.readStep(transport, buf, in, step);
            } else if (step.isDone()) {
                return step.result();
            } else {
                throw new ProtocolViolation(step.failure().description());
            }
        }
    }
}
