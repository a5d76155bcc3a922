package org.streamiso.agent.bootstrap;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import org.streamiso.socks.Socks5;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5Decoded;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5InitialResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5PasswordAuthResponse;
import org.streamiso.socks.Socks5Reader;

/**
 * The client side of one SOCKS5 CONNECT, RESOLVE or RESOLVE_PTR over an already connected {@link Transport};
 * {@link SocksPort} puts its failures in words.
 *
 * <p>The greeting, the RFC 1929 credentials and the request leave in one write: Tor (and proxy-core)
 * parse pipelined SOCKS messages, and it saves two round trips per connection. Replies are read one by
 * one, exactly, so nothing after the reply is consumed.
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
        if (target.isUnresolved() || !host.equals(address.getHostAddress()) && Bypass.literal(host) == null) {
            return Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, host, target.getPort());
        }
        return Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT, address, target.getPort());
    }

    /**
     * Runs the handshake; on success the transport carries the application's bytes to the destination.
     *
     * @throws IOException a {@link ClosedDuringHandshake}, a {@link ProtocolViolation} or the transport's own; the
     *                     caller closes the connection
     */
    static Socks5CommandResponse connect(Transport transport, Socks5CommandRequest request,
            Socks5PasswordAuthRequest credentials) throws IOException {
        Socks5AuthMethod method = credentials == null ? Socks5AuthMethod.NO_AUTH : Socks5AuthMethod.PASSWORD;
        byte[] greeting = Socks5Codec.encode(new Socks5InitialRequest(List.of(method)));
        byte[] auth = credentials == null ? new byte[0] : Socks5Codec.encode(credentials);
        byte[] command = Socks5Codec.encode(request);
        byte[] all = new byte[greeting.length + auth.length + command.length];
        System.arraycopy(greeting, 0, all, 0, greeting.length);
        System.arraycopy(auth, 0, all, greeting.length, auth.length);
        System.arraycopy(command, 0, all, greeting.length + auth.length, command.length);
        transport.write(all);

        if (credentials == null) {
            checkChoice(method, read(transport, Socks5Codec::decodeInitialResponse));
        } else {
            // Tor answers a greeting and credentials that arrive together with the credentials' status alone: both
            // replies go into one reply buffer, and the second replaces the first. Both replies are two bytes.
            byte[] first = new byte[2];
            transport.readFully(first, 0, 2);
            Socks5PasswordAuthResponse authReply;
            if (first[0] == Socks5.PASSWORD_AUTH_VERSION) {
                authReply = read(Transport.of(new ByteArrayInputStream(first), OutputStream.nullOutputStream()),
                        Socks5Codec::decodePasswordAuthResponse);
            } else {
                checkChoice(method, read(Transport.of(new ByteArrayInputStream(first), OutputStream.nullOutputStream()),
                        Socks5Codec::decodeInitialResponse));
                authReply = read(transport, Socks5Codec::decodePasswordAuthResponse);
            }
            if (!authReply.isSuccess()) {
                throw new ProtocolViolation("it refused the username/password (RFC 1929 status "
                        + String.format("0x%02X", authReply.status() & 0xFF) + ")");
            }
        }
        return read(transport, Socks5Codec::decodeCommandResponse);
    }

    private static void checkChoice(Socks5AuthMethod offered, Socks5InitialResponse choice) throws ProtocolViolation {
        if (!choice.authMethod().equals(offered)) {
            throw new ProtocolViolation("it accepts none of the offered authentication methods (offered "
                    + offered + ", answered " + choice.authMethod() + ")");
        }
    }

    private static <T> T read(Transport transport, Function<ByteBuffer, Socks5Decoded<T>> decoder)
            throws IOException {
        try {
            return Socks5Reader.read(transport::readFully, decoder);
        } catch (Socks5Reader.MalformedException e) {
            throw new ProtocolViolation("it does not speak SOCKS5: " + e.getMessage());
        }
    }
}
