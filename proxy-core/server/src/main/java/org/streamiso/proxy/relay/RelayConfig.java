package org.streamiso.proxy.relay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the relay needs to run: its listening ports, the Tor SocksPorts it relays to, and its limits.
 *
 * @param listeners        the listening ports (at least one)
 * @param torSocksPorts    the Tor SocksPorts, tried in turn and failed over (at least one); the only addresses
 *                         proxy-core ever connects to for a client
 * @param handshakeTimeout how long a client may take from accept to a complete SOCKS request
 * @param connectTimeout   how long a Tor SocksPort may take to accept the TCP connection and answer the greeting
 *                         and authentication; past it the next SocksPort is tried
 * @param replyTimeout     how long Tor may take to answer the request (it builds circuits meanwhile)
 * @param stallTimeout     how long bytes may wait for a peer that does not read before the stream is closed
 * @param maxStreams       streams open at once; at the limit a new client takes the place of the oldest client still
 *                         in its SOCKS handshake (which is closed), and is closed at accept only when every stream
 *                         is past its handshake
 * @param bufferSize       size of the pooled relay buffers (past a budget of 64 MiB of them, streams whose peer does
 *                         not read get 16 KiB ones)
 * @param unsafeLogging    print destinations and isolation keys in clear
 * @param selectorThreads  selector threads that relay streams; each stream stays on the one it was given at accept
 */
public record RelayConfig(List<ListenerConfig> listeners, List<InetSocketAddress> torSocksPorts,
        Duration handshakeTimeout, Duration connectTimeout, Duration replyTimeout, Duration stallTimeout,
        int maxStreams, int bufferSize, boolean unsafeLogging, int selectorThreads) {

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Tor's own SocksTimeout is 120 s; a little longer lets Tor's own reply through. */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(130);
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(300);
    public static final int DEFAULT_MAX_STREAMS = 10_000;
    public static final int DEFAULT_BUFFER_SIZE = 256 * 1024;
    /** One selector thread per core. */
    public static final int DEFAULT_SELECTOR_THREADS = Runtime.getRuntime().availableProcessors();
    public static final int MAX_SELECTOR_THREADS = 64;

    public RelayConfig {
        listeners = List.copyOf(listeners);
        torSocksPorts = List.copyOf(torSocksPorts);
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("listeners: none (expected: at least one)");
        }
        if (torSocksPorts.isEmpty()) {
            throw new IllegalArgumentException("torSocksPorts: none (expected: at least one)");
        }
        for (InetSocketAddress socksPort : torSocksPorts) {
            if (socksPort.isUnresolved()) {
                throw new IllegalArgumentException("torSocksPorts: \"" + socksPort.getHostString()
                        + "\" (expected: an IP address literal; proxy-core never resolves names)");
            }
        }
        positive("handshakeTimeout", handshakeTimeout);
        positive("connectTimeout", connectTimeout);
        positive("replyTimeout", replyTimeout);
        positive("stallTimeout", stallTimeout);
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams: " + maxStreams + " (expected: at least 1)");
        }
        if (bufferSize < 1024) {
            throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: at least 1024)");
        }
        if (selectorThreads < 1 || selectorThreads > MAX_SELECTOR_THREADS) {
            throw new IllegalArgumentException("selectorThreads: " + selectorThreads + " (expected: 1-"
                    + MAX_SELECTOR_THREADS + ")");
        }
    }

    /** Defaults for everything but the ports. */
    public static RelayConfig of(List<ListenerConfig> listeners, List<InetSocketAddress> torSocksPorts) {
        return new RelayConfig(listeners, torSocksPorts, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_REPLY_TIMEOUT, DEFAULT_STALL_TIMEOUT, DEFAULT_MAX_STREAMS, DEFAULT_BUFFER_SIZE, false,
                DEFAULT_SELECTOR_THREADS);
    }

    public RelayConfig withTimeouts(Duration handshake, Duration connect, Duration reply, Duration stall) {
        return new RelayConfig(listeners, torSocksPorts, handshake, connect, reply, stall, maxStreams, bufferSize,
                unsafeLogging, selectorThreads);
    }

    public RelayConfig withMaxStreams(int max) {
        return new RelayConfig(listeners, torSocksPorts, handshakeTimeout, connectTimeout, replyTimeout, stallTimeout,
                max, bufferSize, unsafeLogging, selectorThreads);
    }

    public RelayConfig withUnsafeLogging(boolean unsafe) {
        return new RelayConfig(listeners, torSocksPorts, handshakeTimeout, connectTimeout, replyTimeout, stallTimeout,
                maxStreams, bufferSize, unsafe, selectorThreads);
    }

    public RelayConfig withTorSocksPorts(List<InetSocketAddress> socksPorts) {
        return new RelayConfig(listeners, socksPorts, handshakeTimeout, connectTimeout, replyTimeout, stallTimeout,
                maxStreams, bufferSize, unsafeLogging, selectorThreads);
    }

    public RelayConfig withSelectorThreads(int threads) {
        return new RelayConfig(listeners, torSocksPorts, handshakeTimeout, connectTimeout, replyTimeout, stallTimeout,
                maxStreams, bufferSize, unsafeLogging, threads);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: a positive duration)");
        }
    }
}
