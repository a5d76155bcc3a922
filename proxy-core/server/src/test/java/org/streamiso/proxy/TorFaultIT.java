package org.streamiso.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.JtorctlTorControl;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.proxy.relay.IsolationPolicy;
import org.streamiso.proxy.relay.ListenerConfig;
import org.streamiso.proxy.relay.ProxyServer;
import org.streamiso.proxy.relay.RelayConfig;
import org.streamiso.proxy.testing.ItResources;
import org.streamiso.proxy.testing.SocksClient;
import org.streamiso.proxy.testing.TcpForwarder;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.testing.EchoServer;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworkExtension;
import org.streamiso.testnet.TorNetworks;

/**
 * Faults on the private Tor network: Tor going away in the middle of a transfer, and coming back.
 *
 * <p>The shared network's client tor cannot be stopped by a test (every test of this JVM uses it), so "tor" here
 * is that tor behind two in-process {@link TcpForwarder}s, one for its SocksPort and one for its ControlPort:
 * stopping them resets every connection and refuses new ones, as a killed tor does; restarting them on the same
 * ports is tor started again. proxy-core only knows the forwarders' ports.
 */
@ExtendWith(TorNetworkExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TorFaultIT {
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);
    /** "Quickly": the client must see the failure well within this. */
    private static final Duration FAILURE_BOUND = Duration.ofSeconds(5);
    private static final Socks5PasswordAuthRequest ALICE = new Socks5PasswordAuthRequest("alice", "a");

    private final ItResources resources = new ItResources();
    private final Log log = resources.log();
    private final CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
    private TcpForwarder socksPort;
    private TcpForwarder controlPort;
    private TorMonitor monitor;
    private ProxyServer proxy;

    @AfterEach
    void closeEverything() throws Exception {
        resources.close();
    }

    private void startProxyBehindForwarders(PrivateTorNetwork tor) throws IOException {
        socksPort = resources.closing(TcpForwarder.start(tor.socksPorts().get(3)));
        controlPort = resources.closing(TcpForwarder.start(tor.controlPort()));
        InetSocketAddress control = controlPort.address();
        monitor = resources.closing(new TorMonitor(() -> JtorctlTorControl.connect(control, 10_000),
                () -> Files.readAllBytes(tor.cookieFile()), "127.0.0.1:" + control.getPort(), audit, log,
                Duration.ofSeconds(1)));
        monitor.connect();
        monitor.startFollowing();
        RelayConfig config = RelayConfig.of(List.of(new ListenerConfig(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 0), IsolationPolicy.CLIENT, null)), List.of(socksPort.address()));
        proxy = resources.closing(ProxyServer.start(config, IsolationCredentials.random(), monitor, audit, log));
    }

    private void stopTor() throws IOException {
        socksPort.stop();
        controlPort.stop();
    }

    private SocksClient.Result request(EchoServer destination) throws IOException {
        return resources.closing(SocksClient.request(proxy.listenAddresses().get(0), ALICE,
                Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, TorNetworks.WEB_NAME, destination.port()),
                30_000));
    }

    private static void assertEchoes(Socket socket, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(sent);
        assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
    }

    /** While tor is away a new stream gets SOCKS reply 0x01 at once and its destination hears nothing. */
    private void assertNewStreamsFailClosed() throws IOException {
        try (EchoServer canary = EchoServer.start()) {
            long start = System.nanoTime();
            SocksClient.Result refused = request(canary);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(Socks5CommandStatus.FAILURE, refused.response().status());
            assertTrue(millis < FAILURE_BOUND.toMillis(), "the refusal took " + millis + " ms");
            assertEquals(-1, refused.socket().getInputStream().read(), "proxy-core did not close after 0x01");
            assertEquals(0, canary.acceptedConnections(), "a stream reached its destination without Tor");
        }
    }

    @Test
    void torStoppedMidTransferGivesTheClientAnErrorQuicklyAndNothingGoesElsewhere(PrivateTorNetwork tor)
            throws Exception {
        startProxyBehindForwarders(tor);
        try (EchoServer web = EchoServer.start()) {
            SocksClient.Result result = request(web);
            assertEquals(Socks5CommandStatus.SUCCESS, result.response().status());
            Socket client = result.socket();
            // Getting the transfer going may take Tor a while (a circuit just after the other test restarted tor);
            // only the wait for tor's end, below, is bounded by FAILURE_BOUND.
            client.setSoTimeout(60_000);

            // A transfer in full flow: a writer thread sends without pause, this thread reads the echo.
            byte[] chunk = new byte[8192];
            Arrays.fill(chunk, (byte) 'x');
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    while (true) {
                        out.write(chunk);
                    }
                } catch (IOException expected) {
                    // The stream was cut: what this test waits for.
                }
            }, "fault-writer");
            writer.setDaemon(true);
            writer.start();
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[65536];
            long echoed = 0;
            while (echoed < 256 * 1024) {
                int n = in.read(buffer);
                assertTrue(n > 0, "the echo ended before tor was stopped");
                echoed += n;
            }

            client.setSoTimeout((int) FAILURE_BOUND.toMillis() * 2);
            long stopped = System.nanoTime();
            stopTor();
            long cutAfterMillis;
            try {
                while (in.read(buffer) >= 0) {
                    // Bytes already on their way may still arrive; then the end.
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("the client saw nothing of tor's end within " + client.getSoTimeout()
                        + " ms", e);
            } catch (IOException reset) {
                // A reset is as good as an end: the client knows.
            }
            cutAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
            writer.join(FAILURE_BOUND.toMillis());
            System.err.println("[TorFaultIT] the client saw the end " + cutAfterMillis + " ms after tor stopped");
            assertTrue(cutAfterMillis < FAILURE_BOUND.toMillis(), "the client saw the end only after "
                    + cutAfterMillis + " ms");
            assertTrue(!writer.isAlive(), "the client could still write " + FAILURE_BOUND.toMillis()
                    + " ms after tor stopped");

            assertNewStreamsFailClosed();
            assertEquals(1, web.acceptedConnections(), "the destination was reached again, not through Tor");
            assertEquals(1, socksPort.acceptedConnections(), "proxy-core connected to the SocksPort again");
            assertTrue(proxy.stats().upstreamFailures() >= 1, proxy.stats().toString());
            assertTrue(resources.logText().contains("No Tor SocksPort took a CONNECT (0x01) to"
                    + " [scrubbed] (tried 127.0.0.1:" + socksPort.address().getPort() + "); the client got general"
                    + " SOCKS server failure (SOCKS reply 0x01) and nothing was sent anywhere else."), resources.logText());
        }
    }

    @Test
    void afterTorRestartsNewStreamsWorkAndTheControlPortIsBackWithoutRestartingProxyCore(PrivateTorNetwork tor)
            throws Exception {
        startProxyBehindForwarders(tor);
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer before = EchoServer.start();
             EchoServer after = EchoServer.start()) {
            try (SocksClient.Result first = request(before)) {
                assertEquals(Socks5CommandStatus.SUCCESS, first.response().status());
                first.socket().setSoTimeout(30_000);
                assertEchoes(first.socket(), "before");
            }

            stopTor();
            assertNewStreamsFailClosed();

            socksPort.restart();
            controlPort.restart();
            assertTrue(monitor.awaitConnected(Duration.ofSeconds(30)), "proxy-core did not reconnect to the"
                    + " ControlPort:\n" + resources.logText());
            SocksClient.Result second = request(after);
            assertEquals(Socks5CommandStatus.SUCCESS, second.response().status());
            second.socket().setSoTimeout(30_000);
            assertEchoes(second.socket(), "after tor came back");

            // Tor carried it, and the ControlPort connection is back (bootstrap known again). The audit cannot map
            // this stream: Tor sees the forwarder's SOURCE_ADDR, not proxy-core's.
            events.awaitSucceeded(after.port(), EVENT_TIMEOUT);
            assertEquals(100, monitor.bootstrapProgress());
            String logText = resources.logText();
            assertTrue(logText.contains("Lost Tor's ControlPort 127.0.0.1:" + controlPort.address().getPort()
                    + "; relaying goes on"), logText);
            assertTrue(logText.contains("Reconnected to Tor's ControlPort 127.0.0.1:" + controlPort.address().getPort()
                    + "; the audit goes on."), logText);
            assertTrue(logText.contains("Tor SocksPort 127.0.0.1:" + socksPort.address().getPort()
                    + " accepts streams again."), logText);
        }
    }
}
