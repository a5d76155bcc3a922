package org.streamiso.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5Reader;

/**
 * The fixtures on their own, on loopback and with the wire bytes of RFC 1928 and RFC 1929, so that a failing test
 * elsewhere means the code under test and not its fixtures.
 */
class FixturesTest {
    private static final Socks5PasswordAuthRequest KEY = new Socks5PasswordAuthRequest("<torS0X>0", "alice");

    private static Socket open(RecordingSocksServer socks) throws IOException {
        Socket socket = new Socket();
        socket.connect(socks.address(), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static Socks5CommandResponse ask(RecordingSocksServer socks, Socks5PasswordAuthRequest key,
            Socks5CommandRequest request) throws IOException {
        try (Socket socket = open(socks)) {
            return handshake(socket, key, request);
        }
    }

    /** Greeting, RFC 1929 credentials when {@code key} is not null, and the request, each after its reply. */
    private static Socks5CommandResponse handshake(Socket socket, Socks5PasswordAuthRequest key,
            Socks5CommandRequest request) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        out.write(Socks5Codec.encode(new Socks5InitialRequest(List.of(key == null ? Socks5AuthMethod.NO_AUTH
                : Socks5AuthMethod.PASSWORD))));
        assertArrayEquals(new byte[] {5, key == null ? (byte) 0 : (byte) 2}, in.readNBytes(2));
        if (key != null) {
            out.write(Socks5Codec.encode(key));
            assertArrayEquals(new byte[] {1, 0}, in.readNBytes(2));
        }
        out.write(Socks5Codec.encode(request));
        return Socks5Reader.read(Socks5Reader.of(in), Socks5Codec::decodeCommandResponse);
    }

    @Test
    void recordsTheCredentialsTheRequestAndItsSourceAndThenEchoes() throws Exception {
        try (RecordingSocksServer socks = RecordingSocksServer.start(); Socket socket = open(socks)) {
            Socks5CommandResponse reply = handshake(socket, KEY,
                    Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.example", 80));
            assertEquals(Socks5CommandStatus.SUCCESS, reply.status());
            socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", new String(socket.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));

            RecordingSocksServer.Recorded r = socks.nextRecorded();
            assertEquals(KEY, r.credentials());
            assertEquals("web.example", r.request().dstAddr());
            assertEquals(80, r.request().dstPort());
            assertEquals(socket.getLocalPort(), r.source().getPort());
            assertEquals(List.of(r), socks.recorded());
            assertEquals(1, socks.acceptedConnections());
        }
    }

    @Test
    void answersResolveAndResolvePtrWithNamesOnlyItKnows() throws Exception {
        try (RecordingSocksServer socks = RecordingSocksServer.start()) {
            assertEquals(RecordingSocksServer.RESOLVED, ask(socks, null,
                    Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, "web.example", 0)).bndAddr());
            String ptr = RecordingSocksServer.ptrName("192.0.2.7");
            assertEquals("ptr-192-0-2-7" + RecordingSocksServer.SUFFIX, ptr);
            Socks5CommandResponse reverse = ask(socks, null, Socks5CommandRequest.ofAddress(
                    Socks5CommandType.RESOLVE_PTR, InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 7}), 0));
            assertEquals(Socks5AddressType.DOMAIN, reverse.bndAddrType());
            assertEquals(ptr, reverse.bndAddr());
            assertEquals("192.0.2.7", ask(socks, null,
                    Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, ptr, 0)).bndAddr());
            assertEquals(RecordingSocksServer.FTP_ADDRESS, ask(socks, KEY,
                    Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, "ftp.example", 0)).bndAddr());
            assertEquals(Socks5CommandStatus.HOST_UNREACHABLE, ask(socks, KEY,
                    Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, "unknown.example", 0)).status());
            assertEquals(5, socks.requests(Socks5CommandType.RESOLVE).size() + socks.requests(
                    Socks5CommandType.RESOLVE_PTR).size());
            assertNull(socks.recorded().get(0).credentials());
        }
    }

    @Test
    void pipelinedLikeTorSendsNoMethodChoiceBeforeTheCredentialsStatus() throws Exception {
        try (RecordingSocksServer socks = RecordingSocksServer.start().pipelinedLikeTor();
                Socket socket = open(socks)) {
            OutputStream out = socket.getOutputStream();
            out.write(Socks5Codec.encode(new Socks5InitialRequest(List.of(Socks5AuthMethod.PASSWORD))));
            out.write(Socks5Codec.encode(KEY));
            out.write(Socks5Codec.encode(Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.example", 80)));
            InputStream in = socket.getInputStream();
            assertArrayEquals(new byte[] {1, 0}, in.readNBytes(2), "the RFC 1929 status comes first");
            assertEquals(Socks5CommandStatus.SUCCESS,
                    Socks5Reader.read(Socks5Reader.of(in), Socks5Codec::decodeCommandResponse).status());
        }
    }

    @Test
    void refusesAGreetingWithNeitherNoAuthNorPassword() throws Exception {
        try (RecordingSocksServer socks = RecordingSocksServer.start(); Socket socket = open(socks)) {
            socket.getOutputStream().write(new byte[] {5, 1, 1});
            assertArrayEquals(new byte[] {5, (byte) 0xFF}, socket.getInputStream().readAllBytes());
            assertEquals(List.of(), socks.recorded());
        }
    }

    @Test
    void answerFailsEveryLaterConnectButStillResolves() throws Exception {
        try (RecordingSocksServer socks = RecordingSocksServer.start()) {
            socks.answer(Socks5CommandStatus.ONION_DESCRIPTOR_NOT_FOUND);
            assertEquals(Socks5CommandStatus.ONION_DESCRIPTOR_NOT_FOUND, ask(socks, KEY,
                    Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "gone.onion", 80)).status());
            assertEquals(RecordingSocksServer.RESOLVED, ask(socks, KEY,
                    Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, "web.example", 0)).bndAddr());
        }
    }

    @Test
    void silentAfterRequestRecordsTheRequestAndNeverAnswers() throws Exception {
        try (RecordingSocksServer socks = RecordingSocksServer.start().silentAfterRequest();
                Socket socket = open(socks)) {
            socket.setSoTimeout(300);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            out.write(Socks5Codec.encode(new Socks5InitialRequest(List.of(Socks5AuthMethod.NO_AUTH))));
            assertArrayEquals(new byte[] {5, 0}, in.readNBytes(2));
            out.write(Socks5Codec.encode(Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.example", 80)));
            assertEquals("web.example", socks.nextRecorded().request().dstAddr());
            assertThrows(SocketTimeoutException.class, in::read);
        }
    }

    @Test
    void neverAnsweringAcceptsAndSaysNothing() throws Exception {
        try (RecordingSocksServer socks = RecordingSocksServer.start().neverAnswering();
                Socket socket = open(socks)) {
            socket.setSoTimeout(300);
            socket.getOutputStream().write(Socks5Codec.encode(new Socks5InitialRequest(List.of(
                    Socks5AuthMethod.NO_AUTH))));
            assertThrows(SocketTimeoutException.class, socket.getInputStream()::read);
            assertEquals(1, socks.acceptedConnections());
            assertEquals(List.of(), socks.recorded());
        }
    }

    @Test
    void relayingConnectsBeforeItAnswersAndRefusesWhenTheDestinationIsDown() throws Exception {
        try (EchoServer echo = EchoServer.start();
                RecordingSocksServer socks = RecordingSocksServer.relaying(request -> new InetSocketAddress(
                        InetAddress.getLoopbackAddress(), "down.example".equals(request.dstAddr())
                                ? deadPort() : echo.port()))) {
            assertEquals(Socks5CommandStatus.CONNECTION_REFUSED, ask(socks, KEY,
                    Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "down.example", 80)).status());
            try (Socket socket = open(socks)) {
                assertEquals(Socks5CommandStatus.SUCCESS, handshake(socket, KEY,
                        Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, "web.example", 80)).status());
                socket.getOutputStream().write("relayed".getBytes(StandardCharsets.US_ASCII));
                assertEquals("relayed", new String(socket.getInputStream().readNBytes(7), StandardCharsets.US_ASCII));
            }
            assertEquals(1, echo.acceptedConnections());
        }
    }

    private static int deadPort() {
        try {
            return Canary.deadPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theCanaryCountsConnectionsAndDatagramsOnOnePort() throws Exception {
        try (Canary canary = new Canary(); DatagramSocket sender = new DatagramSocket()) {
            assertEquals(0, canary.accepted());
            assertEquals(0, canary.received());
            new Socket(InetAddress.getLoopbackAddress(), canary.port()).close();
            sender.send(new DatagramPacket(new byte[] {1}, 1, InetAddress.getLoopbackAddress(), canary.port()));
            sender.send(new DatagramPacket(new byte[] {2}, 1, InetAddress.getLoopbackAddress(), canary.port()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((canary.accepted() < 1 || canary.received() < 2) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(1, canary.accepted());
            assertEquals(2, canary.received());
        }
        int dead = Canary.deadPort();
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), dead).close());
    }
}
