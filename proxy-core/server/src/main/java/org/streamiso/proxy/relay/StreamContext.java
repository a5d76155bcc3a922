package org.streamiso.proxy.relay;

import java.nio.channels.Selector;
import java.util.function.Consumer;
import org.streamiso.proxy.internal.BufferPool;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;

/**
 * What the streams of one selector loop use of it, built once by the loop and passed to each {@link Stream}: the
 * loop's selector and buffer pool, the collaborators shared by every loop, and the call that tells the loop a stream
 * has closed. The legs of a stream reach nothing else of the loop.
 *
 * @param config         timeouts and the like
 * @param selector       the loop's selector, where a stream registers its connections
 * @param pool           the loop's buffers (not thread-safe: that loop's thread only)
 * @param socksPorts     the Tor SocksPorts, their order per key and their health
 * @param credentials    the isolation credentials a stream sends to Tor
 * @param observer       told of every connection to a SocksPort
 * @param gate           refuses new streams while Tor cannot take them
 * @param stats          the totals of the status view
 * @param admission      {@code --max-streams}: a stream leaves the handshake only if it was not evicted
 * @param authentication checks a client's RFC 1929 credentials
 * @param log            the log
 * @param safelog        scrubs destinations in messages
 * @param closed         called once by a stream when it has closed
 */
record StreamContext(RelayConfig config, Selector selector, BufferPool pool, TorSocksPorts socksPorts,
        IsolationCredentials credentials, StreamObserver observer, StreamGate gate, RelayStats stats,
        Admission admission, ClientAuthentication authentication, Log log, Safelog safelog,
        Consumer<Stream> closed) {
}
