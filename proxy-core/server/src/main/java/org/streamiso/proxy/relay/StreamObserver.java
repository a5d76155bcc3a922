package org.streamiso.proxy.relay;

import java.net.InetSocketAddress;

/**
 * Told by the selector loop when an upstream connection to a Tor SocksPort opens and closes, so that Tor's STREAM
 * events (which name the connection by its SOURCE_ADDR) can be mapped back to the isolation key of the stream.
 *
 * <p><b>Important:</b> called on the selector thread; implementations must be quick and must not block.
 */
public interface StreamObserver {
    /** Observes nothing. */
    StreamObserver NONE = new StreamObserver() {
        @Override
        public void upstreamOpened(InetSocketAddress socksPort, InetSocketAddress localAddress, String isolationKey) {
        }

        @Override
        public void upstreamClosed(InetSocketAddress socksPort, InetSocketAddress localAddress) {
        }
    };

    /**
     * An upstream connection opened, before any byte was sent on it.
     *
     * @param socksPort    the Tor SocksPort
     * @param localAddress the connection's local address: Tor's SOURCE_ADDR
     * @param isolationKey the password this stream sends to Tor, an isolation string (see
     *                     {@link IsolationCredentials}): equal exactly when the credentials are
     */
    void upstreamOpened(InetSocketAddress socksPort, InetSocketAddress localAddress, String isolationKey);

    /** The upstream connection closed. */
    void upstreamClosed(InetSocketAddress socksPort, InetSocketAddress localAddress);
}
