package org.streamiso.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streamiso.proxy.testing.RelayFixture.ALICE;
import static org.streamiso.proxy.testing.RelayFixture.BOB;
import static org.streamiso.proxy.testing.RelayFixture.LOOPBACK_ANY_PORT;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.testing.ItResources;
import org.streamiso.proxy.testing.SocksClient;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The relay against an in-process stand-in for Tor's SocksPort: bytes, replies, credentials, failover, timeouts and
 * hostile input. Everything stays on 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyServerTest {
    private final ItResources resources = ItResources.quiet();
    private final Log log = resources.log();
    private RecordingSocksServer tor;

    @BeforeEach
    void startFakeTor() throws IOException {
        tor = RecordingSocksServer.start();
        resources.closing(tor);
    }

    @AfterEach
    void closeEverything() throws Exception {
        resources.close();
    }

    private ProxyServer start(RelayConfig config) throws IOException {
        return start(config, StreamGate.OPEN);
    }

    private ProxyServer start(RelayConfig config, StreamGate gate) throws IOException {
        ProxyServer server = ProxyServer.start(config, IsolationCredentials.random(), gate, StreamObserver.NONE, log);
        resources.closing(server);
        return server;
    }

    private RelayConfig config(IsolationPolicy policy, InetSocketAddress... socksPorts) {
        return RelayConfig.of(List.of(new ListenerConfig(LOOPBACK_ANY_PORT, policy, null)), List.of(socksPorts));
    }

    private InetSocketAddress proxy(ProxyServer server) {
        return server.listenAddresses().get(0);
    }

    private static Socks5CommandRequest connect(String name, int port) {
        return Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, name, port);
    }

    private static byte[] echo(Socket socket, byte[] sent) throws IOException {
        socket.getOutputStream().write(sent);
        return socket.getInputStream().readNBytes(sent.length);
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    // ---- relaying -----------------------------------------------------------------------------------

    @Test
    void connectByNameGoesToTheSocksPortAndRelaysBytesBothWays() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        try (Socket socket = SocksClient.connect(proxy(server), ALICE, connect("web.example", 443))) {
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII),
                    echo(socket, "hello".getBytes(StandardCharsets.US_ASCII)));
        }
        RecordingSocksServer.Recorded recorded = tor.nextRecorded();
        assertEquals(Socks5CommandType.CONNECT, recorded.request().type());
        assertEquals(Socks5AddressType.DOMAIN, recorded.request().dstAddrType());
        assertEquals("web.example", recorded.request().dstAddr());
        assertEquals(443, recorded.request().dstPort());
        assertEquals(IsolationCredentials.USERNAME, recorded.credentials().username());
    }

    @Test
    void relaysThroughATorThatDropsTheMethodChoiceOfAPipelinedGreeting() throws Exception {
        tor.pipelinedLikeTor();
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        try (Socket socket = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
            assertArrayEquals(bytes(1, 2, 3), echo(socket, bytes(1, 2, 3)));
        }
        assertEquals(IsolationCredentials.USERNAME, tor.nextRecorded().credentials().username());
        assertEquals(0, server.stats().upstreamFailures());
    }

    @Test
    void connectsByIpv4AndIpv6LiteralsAsTheClientSentThem() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        Socks5CommandRequest v4 = Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT,
                InetAddress.getByName("192.0.2.7"), 80);
        Socks5CommandRequest v6 = Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT,
                InetAddress.getByName("2001:db8::7"), 8080);
        try (Socket a = SocksClient.connect(proxy(server), null, v4);
             Socket b = SocksClient.connect(proxy(server), null, v6)) {
            assertArrayEquals(bytes(1, 2, 3), echo(a, bytes(1, 2, 3)));
            assertArrayEquals(bytes(4, 5, 6), echo(b, bytes(4, 5, 6)));
        }
        Set<Socks5CommandRequest> seen = Set.of(tor.nextRecorded().request(), tor.nextRecorded().request());
        assertEquals(Set.of(v4, v6), seen);
    }

    @Test
    void resolveAndResolvePtrReturnTorsAnswer() throws Exception {
        tor.replies(request -> Socks5CommandType.RESOLVE.equals(request.type())
                ? new Socks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.IPV4, "10.1.2.3", 0)
                : new Socks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.DOMAIN, "ptr.example", 0));
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        try (SocksClient.Result resolved = SocksClient.request(proxy(server), ALICE,
                Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, "web.example", 0))) {
            assertEquals("10.1.2.3", resolved.response().bndAddr());
            assertEquals(-1, resolved.socket().getInputStream().read(), "the connection closes after the answer");
        }
        try (SocksClient.Result ptr = SocksClient.request(proxy(server), ALICE, Socks5CommandRequest.ofAddress(
                Socks5CommandType.RESOLVE_PTR, InetAddress.getByName("10.1.2.3"), 0))) {
            assertEquals(Socks5AddressType.DOMAIN, ptr.response().bndAddrType());
            assertEquals("ptr.example", ptr.response().bndAddr());
        }
        assertEquals(2, server.stats().resolved());
    }

    @Test
    void relaysTorsFailureReplyCodeToTheClient() throws Exception {
        tor.replies(request -> Socks5CommandResponse.of("gone.onion".equals(request.dstAddr())
                ? Socks5CommandStatus.ONION_DESCRIPTOR_NOT_FOUND : Socks5CommandStatus.HOST_UNREACHABLE));
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        try (SocksClient.Result r = SocksClient.request(proxy(server), null, connect("nowhere.example", 80))) {
            assertEquals(Socks5CommandStatus.HOST_UNREACHABLE, r.response().status());
            assertEquals(-1, r.socket().getInputStream().read());
        }
        try (SocksClient.Result r = SocksClient.request(proxy(server), null, connect("gone.onion", 80))) {
            assertEquals(Socks5CommandStatus.ONION_DESCRIPTOR_NOT_FOUND, r.response().status());
        }
        assertEquals(2, server.stats().refusedByTor());
    }

    @Test
    void halfCloseIsRelayedInBothDirections() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        try (Socket socket = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
            socket.getOutputStream().write("request, then EOF".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            // The fake echoes until it sees our EOF, then shuts its side: we get everything, then EOF.
            assertEquals("request, then EOF", new String(SocksClient.readAll(socket), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void relaysEightMebibytesEachWayIntact() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        byte[] payload = new byte[8 << 20];
        new Random(42).nextBytes(payload);
        try (Socket socket = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
            AtomicReference<Exception> writerFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(payload);
                    socket.shutdownOutput();
                } catch (IOException e) {
                    writerFailure.set(e);
                }
            });
            writer.start();
            byte[] back = SocksClient.readAll(socket);
            writer.join(10_000);
            assertNull(writerFailure.get());
            assertEquals(payload.length, back.length);
            assertTrue(MessageDigest.isEqual(payload, back), "the echoed bytes differ from those sent");
        }
    }

    @Test
    void spreadsConcurrentStreamsOverTheSelectorThreadsAndListsThemAllOldestFirst() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()).withSelectorThreads(3));
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                sockets.add(SocksClient.connect(proxy(server), ALICE, connect("web.example", 80)));
            }
            for (int i = 0; i < sockets.size(); i++) {
                assertArrayEquals(bytes(i), echo(sockets.get(i), bytes(i)), "stream " + i);
            }
            List<StreamStatus> streams = server.snapshot(Duration.ofSeconds(5)).streams();
            assertEquals(12, streams.size());
            for (int i = 1; i < streams.size(); i++) {
                assertTrue(streams.get(i - 1).id() < streams.get(i).id(), "not oldest first: " + streams);
            }
            Set<String> threads = new HashSet<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("streamiso-proxy-core-selector-")) {
                    threads.add(t.getName());
                }
            }
            assertTrue(threads.containsAll(Set.of("streamiso-proxy-core-selector-0", "streamiso-proxy-core-selector-1",
                    "streamiso-proxy-core-selector-2")), threads.toString());
            assertEquals(12, server.stats().open());
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void maxStreamsHoldsAcrossTheSelectorThreads() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()).withSelectorThreads(4)
                .withMaxStreams(3));
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                sockets.add(SocksClient.connect(proxy(server), ALICE, connect("web.example", 80)));
            }
            assertThrows(IOException.class, () -> SocksClient.request(proxy(server), BOB, connect("web.example", 80)));
            assertEquals(3, server.stats().open());
            assertEquals(1, server.stats().refusedByProxy());
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void bytesSentWithTheRequestAndBytesTorSendsFirstAreKept() throws Exception {
        tor.afterReply(socket -> {
            socket.getOutputStream().write("banner".getBytes(StandardCharsets.US_ASCII));
            RecordingSocksServer.ECHO.run(socket);
        });
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        try (Socket socket = new Socket()) {
            socket.connect(proxy(server), 5_000);
            socket.setSoTimeout(10_000);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(bytes(0x05, 0x01, 0x00));
            all.write(Socks5Codec.encode(connect("web.example", 25)));
            all.write("early".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(all.toByteArray());
            InputStream in = socket.getInputStream();
            assertArrayEquals(bytes(0x05, 0x00), in.readNBytes(2));
            assertArrayEquals(bytes(0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0), in.readNBytes(10));
            assertEquals("bannerearly", new String(in.readNBytes(11), StandardCharsets.US_ASCII));
        }
    }

    // ---- isolation credentials ----------------------------------------------------------------------

    @Test
    void differentClientKeysReachTorAsDifferentCredentialsAndTheSameKeyAsTheSame() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        for (Socks5PasswordAuthRequest key : new Socks5PasswordAuthRequest[] {ALICE, BOB, ALICE, null, null}) {
            SocksClient.connect(proxy(server), key, connect("web.example", 80)).close();
        }
        String alice = tor.nextRecorded().credentials().password();
        String bob = tor.nextRecorded().credentials().password();
        String aliceAgain = tor.nextRecorded().credentials().password();
        String none = tor.nextRecorded().credentials().password();
        String noneAgain = tor.nextRecorded().credentials().password();
        assertNotEquals(alice, bob);
        assertEquals(alice, aliceAgain);
        assertEquals(none, noneAgain);
        assertEquals(3, Set.of(alice, bob, none).size());
    }

    @Test
    void anAgentStyleClientIsKeyedByItsIsolationStringAndItsPasswordNeverReachesTor() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        Socks5PasswordAuthRequest agentA = agent("shop", "thread", "a");
        Socks5PasswordAuthRequest agentB = agent("shop", "thread", "b");
        for (Socks5PasswordAuthRequest key : List.of(agentA, agentB, agentA)) {
            SocksClient.connect(proxy(server), key, connect("web.example", 80)).close();
        }
        List<Socks5PasswordAuthRequest> upstream = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            upstream.add(tor.nextRecorded().credentials());
        }
        assertNotEquals(upstream.get(0), upstream.get(1), "two isolation strings, one set of credentials");
        assertEquals(upstream.get(0), upstream.get(2), "one isolation string, two sets of credentials");
        for (Socks5PasswordAuthRequest credentials : upstream) {
            assertEquals(IsolationCredentials.USERNAME, credentials.username());
            assertFalse(credentials.password().contains("a".repeat(32)) || credentials.password().contains(
                    "b".repeat(32)), "the client's digest reached Tor: " + credentials.password());
            IsolationString sent = IsolationString.parse(credentials.password());
            assertEquals("shop", sent.app(), credentials.password());
            assertEquals("thread", sent.kind(), "the client's kind, on a port whose policy adds nothing");
        }
    }

    @ParameterizedTest
    @MethodSource("otherProposal351Usernames")
    void refusesEveryOtherProposal351UsernameAsTor049DoesCountsItAndLogsOnce(String username) throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        Socks5PasswordAuthRequest credentials = new Socks5PasswordAuthRequest(username, "si1:shop:thread:"
                + "a".repeat(32));
        assertEquals(0x01, authenticationStatusThenEof(proxy(server), credentials));
        assertEquals(0x01, authenticationStatusThenEof(proxy(server), credentials));
        assertEquals(0, tor.acceptedConnections(), "a refused client reached Tor's SocksPort");
        awaitTrue(() -> server.stats().refusedByProxy() == 2, "refusedByProxy: " + server.stats().refusedByProxy());
        RelayStats.KeyRefusals refusals = server.stats().refusalsByKey().get(0);
        assertEquals(new ClientKey(username, ClientKey.UNKNOWN_APP, ClientKey.UNSUPPORTED_KIND),
                refusals.clientKey());
        assertEquals(2, refusals.refusedByProxy());
        String warning = "WARN  A client on " + SelectorLoop.hostPort(proxy(server)) + " sent a SOCKS username of"
                + " another Tor proposal-351 format (it starts with <torS0X> but is not exactly <torS0X>0); it got"
                + " failure (RFC 1929 status 0x01) and was closed, as tor 0.4.9 closes it, and nothing was sent to Tor. Likely"
                + " cause: the client speaks another proposal-351 format (<torS0X>1 names an Arti RPC object). Have"
                + " it send username <torS0X>0 with its isolation string as the password, as the streamiso agent"
                + " does, or a username that does not start with <torS0X>. (Logged once; later ones are counted as"
                + " refusedByProxy in the status.)";
        awaitLog("DEBUG A client on");
        assertEquals(1, occurrences(logText(), warning), logText());
        assertFalse(logText().contains("rpc-object-id"), "the username is a key, and keys are scrubbed");
    }

    static List<String> otherProposal351Usernames() {
        return List.of("<torS0X>1", "<torS0X>1rpc-object-id", "<torS0X>", "<torS0X>00", "<torS0X>0 ");
    }

    @Test
    void aPlainUsernameStartingLikeTheContractIsALegacyKey() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        SocksClient.connect(proxy(server), new Socks5PasswordAuthRequest("<torS0x>1", "p"), connect("a.example", 80))
                .close();
        assertEquals(IsolationCredentials.USERNAME, tor.nextRecorded().credentials().username());
        assertEquals(ClientKey.legacy("<torS0x>1"), ClientKey.of(new Socks5PasswordAuthRequest("<torS0x>1", "p")),
                "the prefix is case-sensitive, as in tor");
    }

    @Test
    void destAddrPortPolicyGivesEachDestinationItsOwnCredentials() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.DEST_ADDR_PORT, tor.address()));
        SocksClient.connect(proxy(server), ALICE, connect("a.example", 80)).close();
        SocksClient.connect(proxy(server), ALICE, connect("a.example", 443)).close();
        SocksClient.connect(proxy(server), ALICE, connect("b.example", 80)).close();
        SocksClient.connect(proxy(server), ALICE, connect("A.EXAMPLE", 80)).close();
        List<String> passwords = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            passwords.add(tor.nextRecorded().credentials().password());
        }
        assertEquals(3, new HashSet<>(passwords.subList(0, 3)).size());
        assertEquals(passwords.get(0), passwords.get(3), "names differ in case only: one destination");
    }

    // ---- only Tor, fail closed ------------------------------------------------------------------------

    @Test
    void whileNoSocksPortIsReachableClientsGetFailureAndNothingGoesAnywhereElse() throws Exception {
        InetSocketAddress deadPort = closedPort();
        try (ServerSocketChannel canary = ServerSocketChannel.open()) {
            canary.bind(LOOPBACK_ANY_PORT);
            canary.configureBlocking(false);
            int canaryPort = ((InetSocketAddress) canary.getLocalAddress()).getPort();
            ProxyServer server = start(config(IsolationPolicy.CLIENT, deadPort));
            Socks5CommandRequest toCanary = Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT,
                    InetAddress.getLoopbackAddress(), canaryPort);
            try (SocksClient.Result r = SocksClient.request(proxy(server), ALICE, toCanary)) {
                assertEquals(Socks5CommandStatus.FAILURE, r.response().status());
                assertEquals(-1, r.socket().getInputStream().read());
            }
            assertNull(canary.accept(), "the canary listener at the destination was connected to");
            assertTrue(server.stats().upstreamFailures() >= 1);
            assertTrue(logText().contains("Tor SocksPort 127.0.0.1:" + deadPort.getPort() + " refused the connection"),
                    logText());
        }
    }

    @Test
    void aSocksPortThatRefusesTheIsolationCredentialsGivesTheClientFailureAndCarriesNothing() throws Exception {
        tor.refusingCredentials();
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        try (SocksClient.Result r = SocksClient.request(proxy(server), ALICE, connect("web.example", 80))) {
            assertEquals(Socks5CommandStatus.FAILURE, r.response().status());
            assertEquals(-1, r.socket().getInputStream().read());
        }
        assertEquals(List.of(), tor.recorded(), "a request was taken past refused credentials");
        assertTrue(server.stats().upstreamFailures() >= 1, server.stats().toString());
        assertTrue(logText().contains("Tor SocksPort 127.0.0.1:" + tor.port() + " rejected the isolation credentials"
                + " (it refused the username/password: failure (RFC 1929 status 0x01))"), logText());
    }

    @Test
    void failsOverToTheNextSocksPortWhenOneIsDown() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, closedPort(), tor.address()));
        for (int i = 0; i < 3; i++) {
            try (Socket socket = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
                assertArrayEquals(bytes(i), echo(socket, bytes(i)));
            }
        }
        assertEquals(3, tor.acceptedConnections());
    }

    @Test
    void keepsEachKeyOnOneSocksPortAndSpreadsTheKeysOverEveryOne() throws Exception {
        try (RecordingSocksServer second = RecordingSocksServer.start()) {
            ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address(), second.address()));
            Socket open = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80));
            for (int i = 0; i < 4; i++) {
                SocksClient.connect(proxy(server), ALICE, connect("web.example", 80)).close();
            }
            open.close();
            int aliceOnFirst = tor.acceptedConnections();
            assertTrue(aliceOnFirst == 5 && second.acceptedConnections() == 0
                    || aliceOnFirst == 0 && second.acceptedConnections() == 5,
                    "one key's streams went to two SocksPorts: " + aliceOnFirst + " and " + second.acceptedConnections());
            for (int k = 0; k < 32; k++) {
                SocksClient.connect(proxy(server), new Socks5PasswordAuthRequest("key" + k, "k"),
                        connect("web.example", 80)).close();
            }
            // 32 keys all on one of two SocksPorts: probability 2^-31.
            assertTrue(tor.acceptedConnections() > aliceOnFirst, "no key went to the first SocksPort");
            assertTrue(second.acceptedConnections() > 5 - aliceOnFirst, "no key went to the second SocksPort");
        }
    }

    @Test
    void anUnavailableSocksPortIsNeverTriedAndWithNoneLeftTheClientGetsFailure() throws Exception {
        try (RecordingSocksServer second = RecordingSocksServer.start()) {
            ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address(), second.address()));
            server.socksPortUnavailable(0);
            for (int k = 0; k < 8; k++) {
                SocksClient.connect(proxy(server), new Socks5PasswordAuthRequest("key" + k, "k"),
                        connect("web.example", 80)).close();
            }
            assertEquals(0, tor.acceptedConnections());
            assertEquals(8, second.acceptedConnections());
            server.socksPortUnavailable(1);
            try (SocksClient.Result r = SocksClient.request(proxy(server), ALICE, connect("web.example", 80))) {
                assertEquals(Socks5CommandStatus.FAILURE, r.response().status());
            }
            assertEquals(8, second.acceptedConnections());
            server.socksPortAvailable(0, tor.address());
            SocksClient.connect(proxy(server), ALICE, connect("web.example", 80)).close();
            assertEquals(1, tor.acceptedConnections());
        }
    }

    @Test
    void aClosedGateGivesFailureAndSendsNothing() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()),
                () -> "Tor has not finished bootstrapping (40%)");
        try (SocksClient.Result r = SocksClient.request(proxy(server), ALICE, connect("web.example", 80))) {
            assertEquals(Socks5CommandStatus.FAILURE, r.response().status());
        }
        assertEquals(0, tor.acceptedConnections());
    }

    // ---- timeouts -------------------------------------------------------------------------------------

    private RelayConfig shortTimeouts(RelayConfig config) {
        return config.withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300),
                Duration.ofMillis(300));
    }

    @Test
    void closesAClientThatNeverCompletesItsHandshake() throws Exception {
        ProxyServer server = start(shortTimeouts(config(IsolationPolicy.CLIENT, tor.address())));
        try (Socket socket = new Socket()) {
            socket.connect(proxy(server), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(bytes(0x05)); // half a greeting, then silence
            assertEquals(-1, socket.getInputStream().read());
        }
        assertEquals(1, server.stats().timedOut());
    }

    @Test
    void answersTtlExpiredWhenTorStaysSilent() throws Exception {
        tor.silentAfterRequest();
        ProxyServer server = start(shortTimeouts(config(IsolationPolicy.CLIENT, tor.address())));
        try (SocksClient.Result r = SocksClient.request(proxy(server), ALICE, connect("web.example", 80))) {
            assertEquals(Socks5CommandStatus.TTL_EXPIRED, r.response().status());
        }
    }

    @Test
    void closesAStreamWhoseClientStopsReading() throws Exception {
        CountDownLatch torSawClose = new CountDownLatch(1);
        tor.afterReply(socket -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                while (true) {
                    socket.getOutputStream().write(chunk);
                }
            } catch (IOException closedByProxy) {
                torSawClose.countDown();
            }
        });
        ProxyServer server = start(shortTimeouts(config(IsolationPolicy.CLIENT, tor.address())));
        try (Socket socket = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
            // Never read: the proxy's buffer fills, Tor's writes block, and the stall timeout ends the stream.
            assertTrue(torSawClose.await(20, TimeUnit.SECONDS), "the proxy did not close the stalled stream");
        }
        assertTrue(server.stats().timedOut() >= 1);
    }

    // ---- hostile input ------------------------------------------------------------------------------------

    static List<Arguments> malformedInputs() {
        byte[] http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        return List.of(
                Arguments.of("SOCKS4 greeting", bytes(0x04, 0x01, 0x00, 0x50, 1, 2, 3, 4, 0), bytes(0x05, 0xFF)),
                Arguments.of("an HTTP request", http, bytes(0x05, 0xFF)),
                Arguments.of("a greeting offering no method", bytes(0x05, 0x00), bytes(0x05, 0xFF)),
                Arguments.of("GSSAPI only", bytes(0x05, 0x01, 0x01), bytes(0x05, 0xFF)),
                Arguments.of("auth with version 0x05", bytes(0x05, 0x01, 0x02, 0x05, 0x01, 'a', 0x01, 'b'),
                        bytes(0x05, 0x02, 0x01, 0x01)),
                Arguments.of("an empty password", bytes(0x05, 0x01, 0x02, 0x01, 0x01, 'a', 0x00),
                        bytes(0x05, 0x02, 0x01, 0x01)),
                Arguments.of("BIND", bytes(0x05, 0x01, 0x00, 0x05, 0x02, 0x00, 0x01, 1, 2, 3, 4, 0, 80),
                        bytes(0x05, 0x00, 0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0)),
                Arguments.of("UDP ASSOCIATE", bytes(0x05, 0x01, 0x00, 0x05, 0x03, 0x00, 0x01, 1, 2, 3, 4, 0, 80),
                        bytes(0x05, 0x00, 0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0)),
                Arguments.of("ATYP 0x02", bytes(0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x02, 1, 2, 3, 4, 0, 80),
                        bytes(0x05, 0x00, 0x05, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0)),
                Arguments.of("an empty DOMAINNAME", bytes(0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x03, 0x00, 0, 80),
                        bytes(0x05, 0x00, 0x05, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0)),
                Arguments.of("RSV not zero", bytes(0x05, 0x01, 0x00, 0x05, 0x01, 0x07, 0x01, 1, 2, 3, 4, 0, 80),
                        bytes(0x05, 0x00, 0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedInputs")
    void malformedInputGetsTheRightAnswerAndACloseAndNothingReachesTor(String what, byte[] input, byte[] expected)
            throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()));
        try (Socket socket = new Socket()) {
            socket.connect(proxy(server), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(input);
            assertArrayEquals(expected, SocksClient.readAll(socket), what);
        }
        assertEquals(0, tor.acceptedConnections());
        assertEquals(1, server.stats().malformed() + server.stats().refusedByProxy());
        // The loop still serves the next client.
        try (Socket socket = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
            assertArrayEquals(bytes(9), echo(socket, bytes(9)));
        }
    }

    @Test
    void randomBytesNeverStopTheLoop() throws Exception {
        ProxyServer server = start(shortTimeouts(config(IsolationPolicy.CLIENT, tor.address())));
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] garbage = new byte[1 + random.nextInt(600)];
            random.nextBytes(garbage);
            if (i % 2 == 0) {
                garbage[0] = 0x05; // get past the version check more often
            }
            try (Socket socket = new Socket()) {
                socket.connect(proxy(server), 5_000);
                socket.setSoTimeout(10_000);
                try {
                    socket.getOutputStream().write(garbage);
                    SocksClient.readAll(socket);
                } catch (IOException resetByProxy) {
                    // A reset is a fine answer to garbage.
                }
            }
        }
        try (Socket socket = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
            assertArrayEquals(bytes(1), echo(socket, bytes(1)));
        }
        assertFalse(logText().contains("This is a bug"), logText());
    }

    // ---- ports with a password of their own, limits, logs ---------------------------------------------

    @Test
    void aPortWithAPasswordRejectsWrongPasswordsAndClientsWithoutOne() throws Exception {
        RelayConfig config = RelayConfig.of(List.of(new ListenerConfig(LOOPBACK_ANY_PORT, IsolationPolicy.CLIENT,
                "s3cret")), List.of(tor.address()));
        ProxyServer server = start(config);
        assertThrows(IOException.class, () -> SocksClient.request(proxy(server), null, connect("web.example", 80)));
        assertThrows(IOException.class, () -> SocksClient.request(proxy(server), ALICE, connect("web.example", 80)));
        assertEquals(0, tor.acceptedConnections());
        try (Socket a = SocksClient.connect(proxy(server), new Socks5PasswordAuthRequest("alice", "s3cret"),
                connect("web.example", 80));
             Socket b = SocksClient.connect(proxy(server), new Socks5PasswordAuthRequest("bob", "s3cret"),
                     connect("web.example", 80))) {
            assertArrayEquals(bytes(1), echo(a, bytes(1)));
            assertArrayEquals(bytes(2), echo(b, bytes(2)));
        }
        assertNotEquals(tor.nextRecorded().credentials(), tor.nextRecorded().credentials(),
                "the username is the client's key on a port with a password");
    }

    @Test
    void aPortWithAPasswordRefusesAgentStyleClientsWhosePasswordCannotBeBothAndLogsOnce() throws Exception {
        RelayConfig config = RelayConfig.of(List.of(new ListenerConfig(LOOPBACK_ANY_PORT, IsolationPolicy.CLIENT,
                "s3cret")), List.of(tor.address()));
        ProxyServer server = start(config);
        assertEquals(0x01, authenticationStatusThenEof(proxy(server), agent("shop", "thread", "a")));
        assertEquals(0x01, authenticationStatusThenEof(proxy(server),
                new Socks5PasswordAuthRequest(IsolationString.USERNAME, "s3cret")));
        assertEquals(0, tor.acceptedConnections());
        awaitTrue(() -> server.stats().refusedByProxy() == 2, "refusedByProxy: " + server.stats().refusedByProxy());
        assertEquals(ClientKey.legacy(IsolationString.USERNAME), server.stats().refusalsByKey().get(0).clientKey(),
                "the password of a password-file port must not become a key in the status");
        awaitLog("DEBUG A client on");
        assertEquals(1, occurrences(logText(), "WARN  A client on " + SelectorLoop.hostPort(proxy(server))
                + " sent username <torS0X>0 (Tor proposal 351: its password is its isolation string), but this port"
                + " has a password-file, so the password must be the port's and the username is the isolation key; it"
                + " got failure (RFC 1929 status 0x01) and was closed, and nothing was sent to Tor. Likely cause: a streamiso"
                + " agent pointed at a port with password-file. Point it at a loopback --listen without"
                + " password-file. (Logged once; later ones are counted as refusedByProxy in the status.)"),
                logText());
    }

    @Test
    void closesClientsBeyondMaxStreams() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()).withMaxStreams(1));
        try (Socket first = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
            assertThrows(IOException.class, () -> SocksClient.request(proxy(server), BOB, connect("web.example", 80)));
            assertArrayEquals(bytes(3), echo(first, bytes(3)));
        }
    }

    @Test
    void atMaxStreamsANewClientEvictsTheOldestClientThatNeverFinishedItsHandshake() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()).withSelectorThreads(2)
                .withMaxStreams(4));
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket();
                idle.add(socket);
                socket.connect(proxy(server), 5_000);
                socket.setSoTimeout(10_000);
                awaitTrue(() -> server.stats().accepted() == idle.size(), "the idle client was not accepted");
            }
            assertEquals(4, server.stats().open());

            try (Socket first = SocksClient.connect(proxy(server), ALICE, connect("web.example", 80))) {
                assertArrayEquals(bytes(1, 2), echo(first, bytes(1, 2)), "the new client was not relayed");
                assertEquals(-1, idle.get(0).getInputStream().read(), "the oldest idle client was not closed");
                try (Socket second = SocksClient.connect(proxy(server), BOB, connect("web.example", 80))) {
                    assertArrayEquals(bytes(3), echo(second, bytes(3)));
                    assertEquals(-1, idle.get(1).getInputStream().read(), "the next oldest was not closed");
                }
            }
            assertEquals(2, server.stats().evictedInHandshake());
            assertEquals(0, server.stats().refusedAtMaxStreams());
            assertEquals(0, server.stats().refusedByProxy());
            assertEquals("web.example", tor.nextRecorded().request().dstAddr());
            String line = Admission.evictionLog(4);
            assertEquals(line.length(), logText().length() - logText().replace(line, "").length(),
                    "the eviction is logged once, then only counted:\n" + logText());
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void atMaxStreamsANewClientIsRefusedAndCountedWhenEveryStreamIsPastItsHandshake() throws Exception {
        ProxyServer server = start(config(IsolationPolicy.CLIENT, tor.address()).withSelectorThreads(2)
                .withMaxStreams(4));
        List<Socket> relaying = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                relaying.add(SocksClient.connect(proxy(server), ALICE, connect("web.example", 80)));
            }
            for (int i = 0; i < 2; i++) {
                assertThrows(IOException.class, () -> SocksClient.request(proxy(server), BOB,
                        connect("web.example", 80)));
            }
            for (int i = 0; i < relaying.size(); i++) {
                assertArrayEquals(bytes(i), echo(relaying.get(i), bytes(i)), "stream " + i);
            }
            assertEquals(2, server.stats().refusedAtMaxStreams());
            assertEquals(2, server.stats().refusedByProxy());
            assertEquals(0, server.stats().evictedInHandshake());
            assertEquals(4, server.stats().open());
            String line = Admission.refusalLog(4);
            awaitLog(line);
            assertEquals(line.length(), logText().length() - logText().replace(line, "").length(),
                    "the refusal is logged once, then only counted:\n" + logText());
        } finally {
            for (Socket socket : relaying) {
                socket.close();
            }
        }
    }

    @Test
    void logsScrubDestinationsUnlessUnsafeLoggingIsOn() throws Exception {
        tor.replies(request -> Socks5CommandResponse.of(Socks5CommandStatus.HOST_UNREACHABLE));
        ProxyServer safe = start(config(IsolationPolicy.CLIENT, tor.address()));
        SocksClient.request(proxy(safe), ALICE, connect("secret-destination.example", 80)).close();
        ProxyServer unsafe = start(config(IsolationPolicy.CLIENT, tor.address()).withUnsafeLogging(true));
        awaitLog("[scrubbed]");
        assertFalse(logText().contains("secret-destination"), logText());
        SocksClient.request(proxy(unsafe), ALICE, connect("secret-destination.example", 80)).close();
        awaitLog("secret-destination.example:80");
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private String logText() {
        return resources.logText();
    }

    /** The log line is written on the selector thread just before the close the client saw; wait for it. */
    private void awaitLog(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!logText().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line with " + text + " in:\n" + logText());
            }
            Thread.onSpinWait();
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String failure) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure);
            }
            Thread.onSpinWait();
        }
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    /** The credentials a streamiso agent sends: {@code <torS0X>0} and an isolation string of 32 {@code hex}. */
    private static Socks5PasswordAuthRequest agent(String app, String kind, String hex) {
        return new IsolationString(app, kind, hex.repeat(32)).credentials();
    }

    /**
     * Greets with username/password, sends {@code credentials}, and returns the RFC 1929 status after checking that
     * the proxy closes the connection right after it.
     */
    private static int authenticationStatusThenEof(InetSocketAddress proxy, Socks5PasswordAuthRequest credentials)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(proxy, SocksClient.TIMEOUT_MILLIS);
            socket.setSoTimeout(SocksClient.TIMEOUT_MILLIS);
            InputStream in = socket.getInputStream();
            socket.getOutputStream().write(bytes(5, 1, 2));
            assertArrayEquals(bytes(5, 2), in.readNBytes(2));
            socket.getOutputStream().write(Socks5Codec.encode(credentials));
            byte[] status = in.readNBytes(2);
            assertEquals(1, status[0], "RFC 1929 version");
            assertEquals(-1, in.read(), "the proxy did not close the connection after refusing the credentials");
            return status[1] & 0xFF;
        }
    }

    private static InetSocketAddress closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
    }
}
