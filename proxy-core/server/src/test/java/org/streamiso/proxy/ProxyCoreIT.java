package org.streamiso.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.streamiso.control.StreamEvent;
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
import org.streamiso.proxy.relay.StreamObserver;
import org.streamiso.proxy.testing.ItResources;
import org.streamiso.proxy.testing.SocksClient;
import org.streamiso.socks.IsolationString;
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
 * proxy-core on the private Tor network: a SOCKS5 client → proxy-core → Tor → an echo server on 127.0.0.1 reached by
 * a name only Tor knows; two isolation keys end on two circuits (Tor's STREAM events say so, and so does our audit).
 */
@ExtendWith(TorNetworkExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ProxyCoreIT {
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);
    private static final Socks5PasswordAuthRequest ALICE = new Socks5PasswordAuthRequest("alice", "a");
    private static final Socks5PasswordAuthRequest BOB = new Socks5PasswordAuthRequest("bob", "b");
    /** What streamiso agents send: {@code <torS0X>0} and an isolation string. */
    private static final Socks5PasswordAuthRequest SHOP_A = new IsolationString("shop", "thread", "a".repeat(32))
            .credentials();
    private static final Socks5PasswordAuthRequest SHOP_B = new IsolationString("shop", "thread", "b".repeat(32))
            .credentials();
    private static final Socks5PasswordAuthRequest MAIL = new IsolationString("mail", "app", "c".repeat(32))
            .credentials();

    private final ItResources resources = new ItResources();
    private final Log log = resources.log();

    @AfterEach
    void closeEverything() throws Exception {
        resources.close();
    }

    /** proxy-core in this JVM on a free loopback port, relaying to the network's first SocksPort, audit on. */
    private ProxyServer startProxy(PrivateTorNetwork tor, CircuitAudit audit) throws IOException {
        return startProxy(tor, audit, audit);
    }

    private ProxyServer startProxy(PrivateTorNetwork tor, CircuitAudit audit, StreamObserver observer)
            throws IOException {
        return startProxy(tor, audit, observer, tor.socksPorts().get(0));
    }

    private ProxyServer startProxy(PrivateTorNetwork tor, CircuitAudit audit, StreamObserver observer,
            InetSocketAddress torSocksPort) throws IOException {
        TorMonitor monitor = resources.closing(new TorMonitor(() -> JtorctlTorControl.connect(tor.controlPort(), 10_000),
                () -> Files.readAllBytes(tor.cookieFile()), tor.controlPort().toString(), audit, log,
                Duration.ofSeconds(1)));
        monitor.connect();
        monitor.startFollowing();
        assertEquals(100, monitor.bootstrapProgress());
        RelayConfig config = RelayConfig.of(List.of(new ListenerConfig(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), IsolationPolicy.CLIENT, null)),
                List.of(torSocksPort));
        return resources.closing(ProxyServer.start(config, IsolationCredentials.random(), monitor, observer, log));
    }

    private static Socks5CommandRequest connectTo(String name, int port) {
        return Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, name, port);
    }

    private static byte[] echo(Socket socket, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(sent);
        return socket.getInputStream().readNBytes(sent.length);
    }

    @Test
    void reachesATorOnlyNameAndTwoKeysEndOnTwoCircuits(PrivateTorNetwork tor) throws Exception {
        CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
        ProxyServer proxy = startProxy(tor, audit);
        InetSocketAddress socksPort = proxy.listenAddresses().get(0);
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer forAlice = EchoServer.start();
             EchoServer forBob = EchoServer.start();
             Socket alice = SocksClient.connect(socksPort, ALICE, connectTo(TorNetworks.WEB_NAME, forAlice.port()));
             Socket bob = SocksClient.connect(socksPort, BOB, connectTo(TorNetworks.WEB_NAME, forBob.port()))) {
            alice.setSoTimeout(30_000);
            bob.setSoTimeout(30_000);
            assertArrayEquals("alice".getBytes(StandardCharsets.US_ASCII), echo(alice, "alice"));
            assertArrayEquals("bob".getBytes(StandardCharsets.US_ASCII), echo(bob, "bob"));

            StreamEvent aliceStream = events.awaitSucceeded(forAlice.port(), EVENT_TIMEOUT);
            StreamEvent bobStream = events.awaitSucceeded(forBob.port(), EVENT_TIMEOUT);
            assertNotEquals("0", aliceStream.circuitId());
            assertNotEquals(aliceStream.circuitId(), bobStream.circuitId(),
                    "streams of two isolation keys shared a circuit: " + events.events());

            // Our audit followed the same streams to the same circuits, each with one key, and saw no violation.
            for (String circuit : List.of(aliceStream.circuitId(), bobStream.circuitId())) {
                CircuitAudit.CircuitView view = audit.await(() -> audit.circuits().stream()
                        .filter(c -> c.circuitId().equals(circuit)).findFirst().orElse(null), EVENT_TIMEOUT);
                assertEquals(1, view.isolationKeys().size(), view.toString());
            }
            assertEquals(0, audit.violationCount());
        }
        assertEquals(2, proxy.stats().relayed());
    }

    /**
     * Clients that speak the credential contract, as the streamiso agent does: two isolation strings end on two
     * circuits, one isolation string keeps its circuit, and tor 0.4.9 takes the {@code <torS0X>0} credentials
     * proxy-core sends it.
     */
    @Test
    void agentClientsWithTwoIsolationStringsEndOnTwoCircuitsAndWithOneOnOne(PrivateTorNetwork tor) throws Exception {
        CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
        ProxyServer proxy = startProxy(tor, audit);
        InetSocketAddress socksPort = proxy.listenAddresses().get(0);
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer forA = EchoServer.start();
             EchoServer forB = EchoServer.start();
             EchoServer forAAgain = EchoServer.start();
             Socket a = SocksClient.connect(socksPort, SHOP_A, connectTo(TorNetworks.WEB_NAME, forA.port()));
             Socket b = SocksClient.connect(socksPort, SHOP_B, connectTo(TorNetworks.WEB_NAME, forB.port()))) {
            a.setSoTimeout(30_000);
            b.setSoTimeout(30_000);
            assertArrayEquals("a".getBytes(StandardCharsets.US_ASCII), echo(a, "a"));
            assertArrayEquals("b".getBytes(StandardCharsets.US_ASCII), echo(b, "b"));
            String circuitA = events.awaitSucceeded(forA.port(), EVENT_TIMEOUT).circuitId();
            String circuitB = events.awaitSucceeded(forB.port(), EVENT_TIMEOUT).circuitId();
            assertNotEquals("0", circuitA);
            assertNotEquals(circuitA, circuitB, "two isolation strings shared a circuit: " + events.events());
            try (Socket aAgain = SocksClient.connect(socksPort, SHOP_A, connectTo(TorNetworks.WEB_NAME,
                    forAAgain.port()))) {
                aAgain.setSoTimeout(30_000);
                assertArrayEquals("a2".getBytes(StandardCharsets.US_ASCII), echo(aAgain, "a2"));
                assertEquals(circuitA, events.awaitSucceeded(forAAgain.port(), EVENT_TIMEOUT).circuitId(),
                        "one isolation string, two circuits: " + events.events());
            }
            CircuitAudit.CircuitView view = audit.await(() -> audit.circuits().stream()
                    .filter(c -> c.circuitId().equals(circuitA) && c.streams() == 2).findFirst().orElse(null),
                    EVENT_TIMEOUT);
            assertEquals(1, view.isolationKeys().size(), view.toString());
            assertTrue(view.isolationKeys().iterator().next().startsWith("si1:shop:thread:"), view.toString());
            assertEquals(0, audit.violationCount());
        }
        assertEquals(3, proxy.stats().relayed());
    }

    /** What proxy-core refuses, tor 0.4.9 refuses too: a proposal-351 username other than {@code <torS0X>0}. */
    @Test
    void torRefusesAnotherProposal351UsernameAsProxyCoreDoes(PrivateTorNetwork tor) throws Exception {
        ProxyServer proxy = startProxy(tor, new CircuitAudit(log, new Safelog(false)));
        Socks5PasswordAuthRequest rpc = new Socks5PasswordAuthRequest("<torS0X>1", SHOP_A.password());
        for (InetSocketAddress socksPort : List.of(tor.socksPorts().get(0), proxy.listenAddresses().get(0))) {
            try (EchoServer canary = EchoServer.start()) {
                // Refused in the RFC 1929 exchange: a failure status, or the connection closed (tor closes it).
                assertThrows(IOException.class, () -> SocksClient.request(socksPort, rpc,
                        connectTo(TorNetworks.WEB_NAME, canary.port()), 30_000), socksPort.toString());
                assertEquals(0, canary.acceptedConnections());
            }
        }
        assertEquals(1, proxy.stats().refusedByProxy());
    }

    /**
     * A SocksPort with NoIsolateSOCKSAuth puts the streams of two isolation strings on one circuit, and the audit
     * reports it. The port is added to the running tor over the ControlPort and removed again afterwards.
     */
    @Test
    void aSocksPortWithoutIsolateSocksAuthMakesTheAuditReportAViolation(PrivateTorNetwork tor) throws Exception {
        CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
        ProxyServer proxy = startProxy(tor, audit, audit, tor.noIsolateSocksAuthSocksPort());
        InetSocketAddress socksPort = proxy.listenAddresses().get(0);
        // NoIsolateSOCKSAuth lets Tor share, it does not make it: while clean preemptive circuits are at hand
        // Tor may give each new stream one of them. Streams of the two keys alternate, each held open, until
        // Tor puts one on a circuit the other key uses (it must once the clean circuits are used up).
        List<AutoCloseable> open = new ArrayList<>();
        try (StreamEvents events = StreamEvents.open(tor)) {
            java.util.Map<String, String> keyOfCircuit = new java.util.HashMap<>();
            String shared = null;
            for (int i = 0; i < 12 && shared == null; i++) {
                Socks5PasswordAuthRequest key = i % 2 == 0 ? SHOP_A : MAIL;
                EchoServer echoServer = EchoServer.start();
                open.add(echoServer);
                Socket s = SocksClient.connect(socksPort, key, connectTo(TorNetworks.WEB_NAME, echoServer.port()));
                open.add(s);
                s.setSoTimeout(30_000);
                assertArrayEquals(Integer.toString(i).getBytes(StandardCharsets.US_ASCII), echo(s, Integer.toString(i)));
                String circuit = events.awaitSucceeded(echoServer.port(), EVENT_TIMEOUT).circuitId();
                String other = keyOfCircuit.putIfAbsent(circuit, key.password());
                if (other != null && !other.equals(key.password())) {
                    shared = circuit;
                }
            }
            assertTrue(shared != null, "a NoIsolateSOCKSAuth SocksPort kept two isolation strings apart over 12 "
                    + "streams: " + events.events());
            String sharedCircuit = shared;
            CircuitAudit.Violation violation = audit.await(() -> audit.violations().isEmpty() ? null
                    : audit.violations().get(0), EVENT_TIMEOUT);
            assertEquals(sharedCircuit, violation.circuitId());
            assertEquals(2, violation.isolationKeys().size());
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
        assertEquals(1, audit.violationCount());
        String logText = resources.logText();
        assertTrue(logText.contains("ERROR ISOLATION VIOLATED: Tor circuit " + audit.violations().get(0)
                .circuitId() + " carries streams of 2 different isolation keys ("), logText);
        assertTrue(logText.contains("si1:shop:thread:[scrubbed]") && logText.contains("si1:mail:app:[scrubbed]"),
                logText);
        assertTrue(logText.contains("check torrc for NoIsolateSOCKSAuth"), logText);
    }

    /**
     * An injected violation: two streams reach Tor with the same credentials (so Tor may and does put them on one
     * circuit) while the audit is told they had different keys, as if the credential mapping were broken.
     */
    @Test
    void anInjectedIsolationViolationIsCaughtByTheAudit(PrivateTorNetwork tor) throws Exception {
        CircuitAudit audit = new CircuitAudit(log, new Safelog(false));
        AtomicInteger streams = new AtomicInteger();
        StreamObserver lyingObserver = new StreamObserver() {
            @Override
            public void upstreamOpened(InetSocketAddress socksPort, InetSocketAddress localAddress, String key) {
                audit.upstreamOpened(socksPort, localAddress, key + "-injected-" + streams.incrementAndGet());
            }

            @Override
            public void upstreamClosed(InetSocketAddress socksPort, InetSocketAddress localAddress) {
                audit.upstreamClosed(socksPort, localAddress);
            }
        };
        ProxyServer proxy = startProxy(tor, audit, lyingObserver);
        InetSocketAddress socksPort = proxy.listenAddresses().get(0);
        Socks5PasswordAuthRequest carol = new Socks5PasswordAuthRequest("carol", "c");
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer first = EchoServer.start();
             EchoServer second = EchoServer.start();
             Socket a = SocksClient.connect(socksPort, carol, connectTo(TorNetworks.WEB_NAME, first.port()))) {
            a.setSoTimeout(30_000);
            assertArrayEquals("1".getBytes(StandardCharsets.US_ASCII), echo(a, "1"));
            StreamEvent firstStream = events.awaitSucceeded(first.port(), EVENT_TIMEOUT);
            try (Socket b = SocksClient.connect(socksPort, carol, connectTo(TorNetworks.WEB_NAME, second.port()))) {
                b.setSoTimeout(30_000);
                assertArrayEquals("2".getBytes(StandardCharsets.US_ASCII), echo(b, "2"));
                StreamEvent secondStream = events.awaitSucceeded(second.port(), EVENT_TIMEOUT);
                assertEquals(firstStream.circuitId(), secondStream.circuitId(),
                        "Tor put two streams with the same credentials on different circuits: " + events.events());
                CircuitAudit.Violation violation = audit.await(
                        () -> audit.violations().isEmpty() ? null : audit.violations().get(0), EVENT_TIMEOUT);
                assertEquals(firstStream.circuitId(), violation.circuitId());
                assertEquals(2, violation.isolationKeys().size());
            }
        }
        assertEquals(1, audit.violationCount());
        assertTrue(resources.logText().contains("ERROR ISOLATION VIOLATED: Tor circuit "
                + "%s carries streams of 2 different isolation keys ([scrubbed], [scrubbed])".formatted(
                        audit.violations().get(0).circuitId())), resources.logText());
    }

    @Test
    void resolveAndUnknownNamesGetTorsAnswers(PrivateTorNetwork tor) throws Exception {
        ProxyServer proxy = startProxy(tor, new CircuitAudit(log, new Safelog(false)));
        InetSocketAddress socksPort = proxy.listenAddresses().get(0);
        try (SocksClient.Result resolved = SocksClient.request(socksPort, ALICE,
                Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, TorNetworks.WEB_NAME, 0), 60_000)) {
            assertEquals(Socks5CommandStatus.SUCCESS, resolved.response().status());
            assertEquals("127.0.0.1", resolved.response().bndAddr());
        }
        try (EchoServer canary = EchoServer.start();
             SocksClient.Result unknown = SocksClient.request(socksPort, ALICE,
                     connectTo(TorNetworks.UNKNOWN_NAME, canary.port()), 60_000)) {
            assertEquals(Socks5CommandStatus.HOST_UNREACHABLE, unknown.response().status());
            assertEquals(0, canary.acceptedConnections());
        }
    }

    @Test
    void theJarRunsFromTheCommandLineAndRelaysThroughTor(PrivateTorNetwork tor) throws Exception {
        Path jar = Path.of("..", "target", "proxy-core.jar").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), jar + " was not built by `package`");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-jar", jar.toString(), "--listen", "127.0.0.1:0",
                "--tor-socks", hostPort(tor.socksPorts().get(1)), "--tor-control", hostPort(tor.controlPort()),
                "--tor-cookie", tor.cookieFile().toString(), "--status", "127.0.0.1:0").redirectErrorStream(true)
                .start();
        resources.closing(process::destroyForcibly);
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        Pattern listening = Pattern.compile("proxy-core listening on 127\\.0\\.0\\.1:(\\d+).*; status on"
                + " http://127\\.0\\.0\\.1:(\\d+)/status\\.");
        int[] statusPort = new int[1];
        int port = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = output.readLine()) != null; ) {
                    seen.append(line).append('\n');
                    Matcher m = listening.matcher(line);
                    if (m.find()) {
                        statusPort[0] = Integer.parseInt(m.group(2));
                        return Integer.parseInt(m.group(1));
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("proxy-core exited before listening:\n" + seen);
        }).get(60, TimeUnit.SECONDS);
        assertTrue(seen.toString().contains("Tor bootstrapped 100%"), seen.toString());
        try (EchoServer web = EchoServer.start();
             Socket socket = SocksClient.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), ALICE,
                     connectTo(TorNetworks.WEB_NAME, web.port()))) {
            socket.setSoTimeout(30_000);
            assertArrayEquals("via the jar".getBytes(StandardCharsets.US_ASCII), echo(socket, "via the jar"));

            // The status command, in a JVM of its own, shows that stream from the running proxy-core's endpoint.
            Process status = new ProcessBuilder(java, "-jar", jar.toString(), "status", "--status",
                    "127.0.0.1:" + statusPort[0]).redirectErrorStream(true).start();
            resources.closing(status::destroyForcibly);
            String table = new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(status.waitFor(30, TimeUnit.SECONDS), "the status command did not end");
            assertEquals(0, status.exitValue(), table);
            assertTrue(table.contains("Tor: ControlPort connected, bootstrapped 100%"), table);
            assertTrue(table.matches("(?s).*\\n127\\.0\\.0\\.1 +\\[scrubbed] +0/0 +1 +relaying +CONNECT"
                    + " +\\[scrubbed] .*"), table);
        }
        process.destroy();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "proxy-core did not stop on SIGTERM");
        assertEquals(143, process.exitValue());
    }

    @Test
    void theJarExplainsItselfAndRejectsBadArguments() throws Exception {
        Path jar = Path.of("..", "target", "proxy-core.jar").toAbsolutePath().normalize();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process help = new ProcessBuilder(java, "-jar", jar.toString(), "--help").redirectErrorStream(true).start();
        String helpText = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(help.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, help.exitValue());
        assertTrue(helpText.contains("--tor-control IP:PORT"), helpText);

        Process bad = new ProcessBuilder(java, "-jar", jar.toString(), "--listen", "0.0.0.0:9159")
                .redirectErrorStream(true).start();
        String badText = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue());
        assertTrue(badText.startsWith("proxy-core: --listen: \"0.0.0.0:9159\" (expected: a loopback address"), badText);
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
