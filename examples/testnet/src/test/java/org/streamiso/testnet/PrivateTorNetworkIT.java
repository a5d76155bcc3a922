package org.streamiso.testnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.streamiso.control.StreamEvent;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.testing.EchoServer;
import org.streamiso.testnet.internal.Socks5Connect.Socks5ReplyException;
import org.streamiso.testnet.internal.Socks5Connect;

/**
 * The private Tor network carries streams by MapAddress names to listeners on 127.0.0.1, keeps
 * streams of different SocksPorts on different circuits, and fails names that exist nowhere with
 * Tor's resolve failure.
 *
 * <p>The first test to run waits for the network to start (up to 120 s); the others reuse it.
 */
@ExtendWith(TorNetworkExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PrivateTorNetworkIT {

    private static final int STREAM_TIMEOUT_MILLIS = 30_000;
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void bootstrapsWithDistinctLoopbackPortsAndACookie(PrivateTorNetwork tor) throws IOException {
        System.err.printf("[PrivateTorNetworkIT] bootstrap took %.1f s%n", tor.bootstrapTime().toMillis() / 1000.0);

        assertTrue(tor.socksPorts().size() >= 4, "socksPorts: " + tor.socksPorts());
        Set<Integer> ports = new HashSet<>();
        for (InetSocketAddress address : tor.socksPorts()) {
            assertTrue(address.getAddress().isLoopbackAddress(), address.toString());
            ports.add(address.getPort());
        }
        ports.add(tor.isolateDestAddrSocksPort().getPort());
        ports.add(tor.controlPort().getPort());
        assertEquals(tor.socksPorts().size() + 2, ports.size(), "every port is distinct");
        assertEquals(32, Files.size(tor.cookieFile()), "control_auth_cookie is 32 bytes");
        assertEquals("127.0.0.1", tor.mappedNames().get(TorNetworks.WEB_NAME));
    }

    @Test
    void connectByMappedNameReachesLocalListenerAndEchoesBytes(PrivateTorNetwork tor) throws IOException {
        try (EchoServer web = EchoServer.start();
             Socket socket = Socks5Connect.connect(tor.socksPorts().get(0), TorNetworks.WEB_NAME, web.port(),
                     STREAM_TIMEOUT_MILLIS)) {
            assertArrayEquals(echo(socket, "hello through three hops"), "hello through three hops".getBytes(StandardCharsets.US_ASCII));
            assertEquals(1, web.acceptedConnections());
        }
    }

    @Test
    void streamsOnDifferentSocksPortsAreCarriedOnDifferentCircuits(PrivateTorNetwork tor) throws Exception {
        List<InetSocketAddress> socksPorts = tor.socksPorts();
        try (StreamEvents events = StreamEvents.open(tor);
             EchoServer first = EchoServer.start();
             EchoServer second = EchoServer.start();
             Socket viaFirst = Socks5Connect.connect(socksPorts.get(0), TorNetworks.WEB_NAME, first.port(),
                     STREAM_TIMEOUT_MILLIS);
             Socket viaSecond = Socks5Connect.connect(socksPorts.get(1), TorNetworks.WEB_NAME, second.port(),
                     STREAM_TIMEOUT_MILLIS)) {
            assertArrayEquals("one".getBytes(StandardCharsets.US_ASCII), echo(viaFirst, "one"));
            assertArrayEquals("two".getBytes(StandardCharsets.US_ASCII), echo(viaSecond, "two"));

            StreamEvent firstStream = events.awaitSucceeded(first.port(), EVENT_TIMEOUT);
            StreamEvent secondStream = events.awaitSucceeded(second.port(), EVENT_TIMEOUT);

            assertNotEquals("0", firstStream.circuitId());
            assertNotEquals(firstStream.circuitId(), secondStream.circuitId(),
                    "streams from SocksPorts " + socksPorts.get(0) + " and " + socksPorts.get(1)
                            + " shared a circuit: " + events.events());
        }
    }

    @Test
    void nameThatExistsNowhereGetsTorsResolveFailure(PrivateTorNetwork tor) throws Exception {
        try (StreamEvents events = StreamEvents.open(tor); EchoServer canary = EchoServer.start()) {
            Socks5ReplyException failure = assertThrows(Socks5ReplyException.class,
                    () -> Socks5Connect.connect(tor.socksPorts().get(2), TorNetworks.UNKNOWN_NAME, canary.port(),
                            STREAM_TIMEOUT_MILLIS).close());

            StreamEvent failed = events.await(event -> StreamEvent.FAILED.equals(event.status())
                            && event.targetPort() == canary.port(), "FAILED to port " + canary.port(), EVENT_TIMEOUT);
            assertEquals(Socks5CommandStatus.HOST_UNREACHABLE, failure.reply(),
                    failure.getMessage() + "; events: " + events.events());
            assertEquals("RESOLVEFAILED", failed.keywords().get("REMOTE_REASON"), failed.toString());
            assertEquals(0, canary.acceptedConnections(), "nothing may reach a listener by a name Tor cannot resolve");
        }
    }

    private static byte[] echo(Socket socket, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
        socket.setSoTimeout(STREAM_TIMEOUT_MILLIS);
        socket.getOutputStream().write(sent);
        socket.getOutputStream().flush();
        return socket.getInputStream().readNBytes(sent.length);
    }
}
