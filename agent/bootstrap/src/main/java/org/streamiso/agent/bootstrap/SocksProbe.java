package org.streamiso.agent.bootstrap;

import java.io.IOException;
import java.net.Socket;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * One SOCKS request of {@code java -jar streamiso.jar check}'s own, with the agent's client handshake and its words
 * for every failure, over a plain {@link Socket} that the check connected itself: the check runs without the agent,
 * and needs the connection's local address (Tor's SOURCE_ADDR) before the request leaves.
 *
 * <p>Never loaded by premain or a hook.
 */
public final class SocksProbe {
    private SocksProbe() {
    }

    /**
     * Sends greeting, {@code credentials} and {@code request} over {@code socket} and reads the reply; a reply Tor
     * sent, success or not, is returned. The first reply bytes must come by {@code firstDeadline} (a SOCKS server
     * answers the greeting at once, even a tor that cannot build circuits; something that is no SOCKS server may
     * never answer), the rest by {@code deadline}, both of {@link System#nanoTime()}.
     *
     * @throws IOException in the agent's words: not SOCKS5, closed, or no answer in time
     */
    public static Socks5CommandResponse exchange(AgentConfig config, Socket socket, Socks5CommandRequest request,
            Socks5PasswordAuthRequest credentials, long firstDeadline, long deadline) throws IOException {
        try {
            Transport first = Transport.of(socket.getInputStream(), socket.getOutputStream(), socket::setSoTimeout,
                    firstDeadline);
            Transport rest = Transport.of(socket.getInputStream(), socket.getOutputStream(), socket::setSoTimeout,
                    deadline);
            Transport transport = new Transport() {
                private boolean answered;

                @Override
                public void write(byte[] bytes) throws IOException {
                    rest.write(bytes);
                }

                @Override
                public void readFully(byte[] into, int offset, int length) throws IOException {
                    if (answered) {
                        rest.readFully(into, offset, length);
                    } else {
                        first.readFully(into, offset, length);
                        answered = true;
                    }
                }
            };
            return SocksHandshake.connect(transport, request, credentials);
        } catch (IOException e) {
            throw new SocksPort(config, null).handshakeFailed(e);
        }
    }

    /** The agent's words for a SocksPort that could not be reached ({@code cause}, from the connect). */
    public static IOException unreachable(AgentConfig config, IOException cause) {
        return new SocksPort(config, null).unreachable(cause);
    }
}
