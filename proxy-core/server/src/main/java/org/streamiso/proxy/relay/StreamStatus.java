package org.streamiso.proxy.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One client stream as the relay sees it at one moment, for the status view.
 *
 * <p><b>Important:</b> holds the destination and the client's key in clear; whoever shows it scrubs them (see
 * {@code org.streamiso.proxy.status}). A password is here only where it is the key: the isolation string of a
 * {@code <torS0X>0} client ({@link ClientKey}).
 *
 * @param id              a number unique in this run of proxy-core
 * @param listener        the listening port that accepted the client
 * @param isolation       that port's isolation policy
 * @param clientAddress   the client's IP address, or null when it is already gone
 * @param clientKey       the client's key, {@link ClientKey#NONE} when it sent no credentials (or has not yet)
 * @param epoch           the identity epoch of the client's key when its credentials were made (0: never renewed)
 * @param command         {@code CONNECT}, {@code RESOLVE}, {@code RESOLVE_PTR}; null before the request
 * @param dstAddr         the requested destination address or name; null before the request
 * @param dstPort         the requested destination port
 * @param state           {@code handshake}, {@code connecting}, {@code waiting-for-tor}, {@code relaying} or
 *                        {@code closing}
 * @param openedAtMillis  when the client was accepted, in milliseconds since the epoch
 * @param bytesFromClient bytes read from the client, handshake included
 * @param bytesToClient   bytes from Tor relayed to the client, SOCKS replies excluded
 * @param torSocksPort    the Tor SocksPort of the upstream connection, or null when there is none
 * @param sourceAddr      the upstream connection's local address (Tor's SOURCE_ADDR), or null
 */
public record StreamStatus(long id, InetSocketAddress listener, IsolationPolicy isolation, InetAddress clientAddress,
        ClientKey clientKey, long epoch, String command, String dstAddr, int dstPort, String state, long openedAtMillis,
        long bytesFromClient, long bytesToClient, InetSocketAddress torSocksPort, InetSocketAddress sourceAddr) {

    /** Never prints the destination or the key. */
    @Override
    public String toString() {
        return "StreamStatus[id=" + id + ", state=" + state + ", command=" + command + ", dstAddr=[scrubbed]"
                + ", clientKey=" + clientKey + ", epoch=" + epoch + "]";
    }
}
