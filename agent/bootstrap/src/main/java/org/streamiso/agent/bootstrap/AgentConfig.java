package org.streamiso.agent.bootstrap;

import java.net.InetSocketAddress;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * The agent's settings after its arguments were checked: where the SocksPort is, what is bypassed,
 * and how much to log.
 *
 * @param socksPort   the SOCKS5 server every routed connection goes to; always a resolved literal address
 * @param bypass      destinations connected and resolved directly
 * @param logLevel    how much to log
 * @param safeLogging whether destinations and keys print as {@code [scrubbed]}
 * @param credentials RFC 1929 username/password sent to the SocksPort, or null for no authentication
 */
public record AgentConfig(InetSocketAddress socksPort, Bypass bypass, Log.Level logLevel, boolean safeLogging,
        Socks5PasswordAuthRequest credentials) {

    /** Returns {@code host:port} of the SocksPort, for messages. */
    public String socksPortText() {
        String host = socksPort.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + socksPort.getPort();
    }
}
