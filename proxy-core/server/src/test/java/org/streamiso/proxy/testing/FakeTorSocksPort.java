package org.streamiso.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5InitialResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5PasswordAuthResponse;

/**
 * A stand-in for Tor's SocksPort on 127.0.0.1: it speaks the server side of SOCKS5 with username/password like Tor,
 * records what it was asked, answers as told, and then runs a behaviour (echo by default). One thread per
 * connection: it is a test fixture, not the thing under test.
 */
public final class FakeTorSocksPort implements AutoCloseable {

    /**
     * What one stream asked for, and where it came from: the proxy's end of the connection, which Tor's STREAM
     * events name as SOURCE_ADDR.
     */
    public record Recorded(Socks5PasswordAuthRequest credentials, Socks5CommandRequest request,
            InetSocketAddress source) {
    }

    /** What happens after a success reply. */
    @FunctionalInterface
    public interface AfterReply {
        void run(Socket socket) throws IOException;
    }

    public static final AfterReply ECHO = socket -> {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buffer = new byte[16384];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
        }
        socket.shutdownOutput();
    };

    private final ServerSocket server;
    private final BlockingQueue<Recorded> recorded = new LinkedBlockingQueue<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile Function<Socks5CommandRequest, Socks5CommandResponse> replies =
            request -> Socks5CommandResponse.of(Socks5CommandStatus.SUCCESS);
    private volatile AfterReply afterReply = ECHO;
    private volatile boolean silentAfterRequest;
    private volatile boolean pipelinedLikeTor;

    private FakeTorSocksPort(ServerSocket server) {
        this.server = server;
    }

    public static FakeTorSocksPort start() throws IOException {
        FakeTorSocksPort fake = new FakeTorSocksPort(new ServerSocket(0, 128, InetAddress.getLoopbackAddress()));
        Thread thread = new Thread(fake::acceptLoop, "fake-tor-socks-accept");
        thread.setDaemon(true);
        thread.start();
        return fake;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    public FakeTorSocksPort replies(Function<Socks5CommandRequest, Socks5CommandResponse> replies) {
        this.replies = replies;
        return this;
    }

    public FakeTorSocksPort afterReply(AfterReply afterReply) {
        this.afterReply = afterReply;
        return this;
    }

    /** Reads the request and then says nothing, as a Tor that cannot build a circuit. */
    public FakeTorSocksPort silentAfterRequest() {
        this.silentAfterRequest = true;
        return this;
    }

    /**
     * Answers as tor (0.4.9.11 here) does when the greeting and the credentials arrive together: the method choice
     * is lost (tor writes both replies into one reply buffer), so only the credentials' status and the reply are
     * sent.
     */
    public FakeTorSocksPort pipelinedLikeTor() {
        this.pipelinedLikeTor = true;
        return this;
    }

    public int acceptedConnections() {
        return accepted.get();
    }

    /** The next recorded stream, waiting up to 10 s. */
    public Recorded nextRecorded() throws InterruptedException {
        Recorded r = recorded.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the fake SocksPort received no request within 10 s");
        }
        return r;
    }

    public int recordedCount() {
        return recorded.size();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                sockets.add(socket);
                Thread thread = new Thread(() -> serve(socket), "fake-tor-socks-stream");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            Socks5InitialRequest greeting = SocksClient.read(in, Socks5Codec::decodeInitialRequest);
            Socks5PasswordAuthRequest credentials = null;
            if (greeting.authMethods().contains(Socks5AuthMethod.PASSWORD)) {
                if (!pipelinedLikeTor) {
                    out.write(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.PASSWORD)));
                }
                credentials = SocksClient.read(in, Socks5Codec::decodePasswordAuthRequest);
                out.write(Socks5Codec.encode(new Socks5PasswordAuthResponse((byte) 0)));
            } else {
                out.write(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH)));
            }
            Socks5CommandRequest request = SocksClient.read(in, Socks5Codec::decodeCommandRequest);
            recorded.add(new Recorded(credentials, request, (InetSocketAddress) socket.getRemoteSocketAddress()));
            if (silentAfterRequest) {
                in.readAllBytes();
                return;
            }
            Socks5CommandResponse response = replies.apply(request);
            out.write(Socks5Codec.encode(response));
            if (response.status().isSuccess()) {
                afterReply.run(socket);
            }
        } catch (IOException e) {
            // The proxy closed the connection; that is what some tests want.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
