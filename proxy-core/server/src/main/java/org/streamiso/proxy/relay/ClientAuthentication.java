package org.streamiso.proxy.relay;

import org.streamiso.socks.Socks5PasswordAuthStatus;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;
import org.streamiso.proxy.internal.Log;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * Decides whether a client's RFC 1929 credentials are accepted, and logs why not. One instance serves every selector
 * thread.
 *
 * <p>Refused, with RFC 1929 status 0x01:
 * <ul>
 * <li>a username that starts with {@value IsolationString#EXTENDED_PREFIX} but is not exactly
 *     {@value IsolationString#USERNAME}: another Tor proposal-351 format, which tor 0.4.9 refuses too (an Arti RPC
 *     object, {@code <torS0X>1}, means nothing to Tor's SocksPort);</li>
 * <li>on a port with a password-file: username {@value IsolationString#USERNAME}, whose password would have to be
 *     the port's rather than an isolation string, so it could not isolate; and a wrong password.</li>
 * </ul>
 * The first two are logged once as a warning (then at debug level), since one misconfigured client repeats them for
 * every stream; each refusal is counted by the caller.
 *
 * @see <a href="https://spec.torproject.org/proposals/351-socks-auth-extensions.html">Tor proposal 351</a>
 */
final class ClientAuthentication {
    private final Log log;
    private final AtomicBoolean otherFormatLogged = new AtomicBoolean();
    private final AtomicBoolean extendedOnPasswordPortLogged = new AtomicBoolean();

    ClientAuthentication(Log log) {
        this.log = log;
    }

    /**
     * What became of one client's credentials.
     *
     * @param key      the client's key; for a refusal, the key it is counted under (on a password-file port the
     *                 username, as for every client there)
     * @param accepted whether the client may go on to its request
     */
    record Decision(ClientKey key, boolean accepted) {
    }

    /**
     * Whether {@code credentials}, sent on {@code listener}, are accepted; a refusal is logged.
     *
     * @param boundAddress the address the client connected to, for the log (the listener's may have port 0)
     */
    Decision authenticate(ListenerConfig listener, InetSocketAddress boundAddress,
            Socks5PasswordAuthRequest credentials) {
        String username = credentials.username();
        String port = SelectorLoop.hostPort(boundAddress == null ? listener.address() : boundAddress);
        if (IsolationString.isExtendedUsername(username) && !IsolationString.USERNAME.equals(username)) {
            logOnce(otherFormatLogged, "A client on " + port + " sent a SOCKS username of another Tor proposal-351"
                    + " format (it starts with " + IsolationString.EXTENDED_PREFIX + " but is not exactly "
                    + IsolationString.USERNAME + "); it got " + Socks5PasswordAuthStatus.FAILURE + " and was closed, as tor 0.4.9 closes"
                    + " it, and nothing was sent to Tor. Likely cause: the client speaks another proposal-351 format"
                    + " (" + IsolationString.EXTENDED_PREFIX + "1 names an Arti RPC object). Have it send username "
                    + IsolationString.USERNAME + " with its isolation string as the password, as the streamiso agent"
                    + " does, or a username that does not start with " + IsolationString.EXTENDED_PREFIX + ".");
            return new Decision(ClientKey.of(credentials), false);
        }
        if (!listener.requiresPassword()) {
            return new Decision(ClientKey.of(credentials), true);
        }
        // A password-file port: the password is the port's, so the username is the key.
        ClientKey key = ClientKey.legacy(username);
        if (IsolationString.USERNAME.equals(username)) {
            logOnce(extendedOnPasswordPortLogged, "A client on " + port + " sent username " + IsolationString.USERNAME
                    + " (Tor proposal 351: its password is its isolation string), but this port has a password-file,"
                    + " so the password must be the port's and the username is the isolation key; it got "
                    + Socks5PasswordAuthStatus.FAILURE + " and was closed, and nothing was sent to Tor. Likely cause: a streamiso agent"
                    + " pointed at a port with password-file. Point it at a loopback --listen without password-file.");
            return new Decision(key, false);
        }
        if (!MessageDigest.isEqual(credentials.password().getBytes(StandardCharsets.ISO_8859_1),
                listener.password().getBytes(StandardCharsets.ISO_8859_1))) {
            log.warn("A client on " + port + " sent a wrong password; it got " + Socks5PasswordAuthStatus.FAILURE + " and was closed."
                    + " Does the client use this port's password-file?");
            return new Decision(key, false);
        }
        return new Decision(key, true);
    }

    private void logOnce(AtomicBoolean logged, String message) {
        if (logged.compareAndSet(false, true)) {
            log.warn(message + " (Logged once; later ones are counted as refusedByProxy in the status.)");
        } else {
            log.debug(message);
        }
    }
}
