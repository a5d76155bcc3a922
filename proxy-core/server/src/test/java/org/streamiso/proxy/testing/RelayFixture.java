package org.streamiso.proxy.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.proxy.relay.IsolationPolicy;
import org.streamiso.proxy.relay.ListenerConfig;
import org.streamiso.proxy.relay.ProxyServer;
import org.streamiso.proxy.relay.RelayConfig;
import org.streamiso.proxy.relay.StreamGate;
import org.streamiso.proxy.relay.StreamObserver;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The set-up of the tests that look at a running relay from outside (the status endpoint, the live page): proxy-core
 * on a loopback port with {@code isolate=client} in front of a {@link RecordingSocksServer} that stands in for Tor's
 * SocksPort, its log in memory, and whatever the test adds, closed with it, newest first.
 */
public final class RelayFixture implements AutoCloseable {
    public static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    public static final Socks5PasswordAuthRequest ALICE = new Socks5PasswordAuthRequest("alice", "a");
    public static final Socks5PasswordAuthRequest BOB = new Socks5PasswordAuthRequest("bob", "b");

    private final ItResources resources = ItResources.quiet();
    private final IsolationCredentials credentials = IsolationCredentials.random();
    private final RecordingSocksServer tor;
    private final ProxyServer proxy;

    private RelayFixture() throws IOException {
        tor = resources.closing(RecordingSocksServer.start());
        proxy = resources.closing(ProxyServer.start(RelayConfig.of(List.of(new ListenerConfig(LOOPBACK_ANY_PORT,
                IsolationPolicy.CLIENT, null)), List.of(tor.address())), credentials, StreamGate.OPEN,
                StreamObserver.NONE, resources.log()));
    }

    /** Starts the stand-in SocksPort and the relay in front of it. */
    public static RelayFixture start() throws IOException {
        return new RelayFixture();
    }

    public RecordingSocksServer tor() {
        return tor;
    }

    public ProxyServer proxy() {
        return proxy;
    }

    public IsolationCredentials credentials() {
        return credentials;
    }

    /** The relay's log, at debug level. */
    public Log log() {
        return resources.log();
    }

    /** Everything logged so far. */
    public String logText() {
        return resources.logText();
    }

    /** Registers {@code closeable} to be closed with the relay, before it, and returns it. */
    public <T extends AutoCloseable> T closing(T closeable) {
        return resources.closing(closeable);
    }

    /** A CONNECT to {@code name:port} through the relay with {@code key}, closed with the relay. */
    public Socket stream(Socks5PasswordAuthRequest key, String name, int port) throws IOException {
        return stream(proxy.listenAddresses().get(0), key, name, port);
    }

    /** A CONNECT to {@code name:port} through the SOCKS5 listener {@code via} with {@code key}, closed with the relay. */
    public Socket stream(InetSocketAddress via, Socks5PasswordAuthRequest key, String name, int port)
            throws IOException {
        Socket socket = closing(SocksClient.connect(via, key,
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, name, port)));
        socket.setSoTimeout(10_000);
        return socket;
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
