package org.streamiso.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5Reader;
import org.streamiso.socks.Socks5ServerHandshake;
import org.streamiso.socks.Socks5Step;

/**
 * A stand-in for Tor's SocksPort on 127.0.0.1: it speaks the server side of SOCKS5 with username/password like Tor,
 * records every request with its credentials and where it came from, answers as told, and then runs a behaviour:
 * echo by default, or, like Tor with MapAddress, a relay of every CONNECT to one local destination
 * ({@link #relaying}). One thread per connection: it is a test fixture, not the thing under test.
 *
 * <p>Unless told otherwise ({@link #replies}), it answers like a Tor that knows names no one else does: RESOLVE_PTR
 * of {@code a.b.c.d} gets {@link #ptrName ptr-a-b-c-d.only-the-proxy-knows.test}, and RESOLVE of that name gets
 * {@code a.b.c.d} back (so that the JDK's confirming forward lookup agrees); RESOLVE of a name that starts with
 * {@code unknown} gets "host unreachable", of {@code ftp*} {@link #FTP_ADDRESS}, of {@code outside*}
 * {@link #OUTSIDE_ADDRESS}, and of any other name {@link #RESOLVED}; every CONNECT gets success.
 *
 * <p>It can also act as the SocksPorts that tests must survive: one that loses the method choice when the greeting
 * and the credentials arrive together ({@link #pipelinedLikeTor}), one that reads the request and never answers
 * ({@link #silentAfterRequest}), and one that refuses a CONNECT with a reply code ({@link #answer}).
 */
public final class RecordingSocksServer implements AutoCloseable {

    /** The suffix of the names only this server can resolve: a lookup that went around it finds nothing. */
    public static final String SUFFIX = ".only-the-proxy-knows.test";
    /** The answer to RESOLVE: a loopback address, so that connecting to it directly would be bypassed. */
    public static final String RESOLVED = "127.0.0.7";
    /**
     * The answer for {@code ftp*} names: a public-looking address (TEST-NET-2), as Tor answers for a real server
     * (it drops internal answers from exits, ClientDNSRejectInternalAddresses), so the FTP client checks a passive
     * reply against it. Only ever connected through this server, by the tests inside a loopback-only namespace.
     */
    public static final String FTP_ADDRESS = "198.51.100.21";
    /**
     * The answer for {@code outside*} names: a public-looking address (TEST-NET-2), for programs under torsocks,
     * which refuses to connect to loopback. Only ever connected through this server, inside a loopback-only
     * namespace.
     */
    public static final String OUTSIDE_ADDRESS = "198.51.100.80";
    private static final String PTR_PREFIX = "ptr-";

    /**
     * What one stream asked for, with the RFC 1929 credentials it came with (null: none) and where it came from:
     * the client's end of the connection, which Tor's STREAM events name as SOURCE_ADDR.
     */
    public record Recorded(Socks5PasswordAuthRequest credentials, Socks5CommandRequest request,
            InetSocketAddress source) {
    }

    /** What happens on the connection after a success reply to a CONNECT. */
    @FunctionalInterface
    public interface AfterReply {
        void run(Socket socket) throws IOException;
    }

    /** Sends back every byte until the client closes its side. */
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
    private final Function<Socks5CommandRequest, InetSocketAddress> destinations;
    private final BlockingQueue<Recorded> unread = new LinkedBlockingQueue<>();
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile Function<Socks5CommandRequest, Socks5CommandResponse> replies =
            RecordingSocksServer::onlyTheProxyKnows;
    private volatile AfterReply afterReply = ECHO;
    private volatile boolean silentAfterRequest;
    private volatile boolean neverAnswering;
    private volatile boolean pipelinedLikeTor;
    private volatile boolean refusingCredentials;

    private RecordingSocksServer(ServerSocket server,
            Function<Socks5CommandRequest, InetSocketAddress> destinations) {
        this.server = server;
        this.destinations = destinations;
    }

    /** Starts a server on a free loopback port that echoes on every stream it accepts. */
    public static RecordingSocksServer start() throws IOException {
        return start(null);
    }

    /**
     * Starts a server on a free loopback port that connects every CONNECT to {@code destinations.apply(request)}
     * before it answers (connection refused when that fails) and then relays both ways.
     */
    public static RecordingSocksServer relaying(Function<Socks5CommandRequest, InetSocketAddress> destinations)
            throws IOException {
        return start(destinations);
    }

    private static RecordingSocksServer start(Function<Socks5CommandRequest, InetSocketAddress> destinations)
            throws IOException {
        RecordingSocksServer socks = new RecordingSocksServer(
                new ServerSocket(0, 128, InetAddress.getLoopbackAddress()), destinations);
        Thread thread = new Thread(socks::acceptLoop, "recording-socks-accept");
        thread.setDaemon(true);
        thread.start();
        return socks;
    }

    /** The name this server gives an IPv4 address in a RESOLVE_PTR answer. */
    public static String ptrName(String address) {
        return PTR_PREFIX + address.replace('.', '-') + SUFFIX;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Answers every later request, whatever its command, with {@code replies.apply(request)}. */
    public RecordingSocksServer replies(Function<Socks5CommandRequest, Socks5CommandResponse> replies) {
        this.replies = replies;
        return this;
    }

    /** Makes every later CONNECT fail with this reply; RESOLVE and RESOLVE_PTR are answered as before. */
    public RecordingSocksServer answer(Socks5CommandStatus status) {
        return replies(request -> request.type().equals(Socks5CommandType.CONNECT)
                ? Socks5CommandResponse.of(status) : onlyTheProxyKnows(request));
    }

    /** What runs on the connection after a success reply to a CONNECT, unless this server is {@link #relaying}. */
    public RecordingSocksServer afterReply(AfterReply afterReply) {
        this.afterReply = afterReply;
        return this;
    }

    /** Reads the request and then says nothing, as a Tor that cannot build a circuit. */
    public RecordingSocksServer silentAfterRequest() {
        this.silentAfterRequest = true;
        return this;
    }

    /**
     * Accepts every connection and then neither reads nor writes a byte until it is closed: a SocksPort that never
     * answers the greeting. Nothing is recorded.
     */
    public RecordingSocksServer neverAnswering() {
        this.neverAnswering = true;
        return this;
    }

    /**
     * Answers as tor (0.4.9.11 here) does when the greeting and the credentials arrive together: the method choice
     * is lost (tor writes both replies into one reply buffer), so only the credentials' status and the reply are
     * sent.
     */
    public RecordingSocksServer pipelinedLikeTor() {
        this.pipelinedLikeTor = true;
        return this;
    }

    /**
     * Answers every username/password with RFC 1929 status 0x01 and closes, as a SocksPort whose credentials do not
     * match: the request that came with them is never read, and nothing is recorded.
     */
    public RecordingSocksServer refusingCredentials() {
        this.refusingCredentials = true;
        return this;
    }

    public int acceptedConnections() {
        return accepted.get();
    }

    /** The next recorded stream not yet taken by this method, waiting up to 10 s. */
    public Recorded nextRecorded() throws InterruptedException {
        Recorded r = unread.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the recording SOCKS server received no request within 10 s");
        }
        return r;
    }

    /** Every request with its credentials, in the order they arrived. */
    public List<Recorded> recorded() {
        return recorded;
    }

    /** Every request, in the order they arrived. */
    public List<Socks5CommandRequest> requests() {
        return recorded.stream().map(Recorded::request).collect(Collectors.toList());
    }

    /** The requests of one command, in order. */
    public List<Socks5CommandRequest> requests(Socks5CommandType command) {
        return recorded.stream().map(Recorded::request).filter(q -> q.type().equals(command))
                .collect(Collectors.toList());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                sockets.add(socket);
                if (neverAnswering) {
                    continue; // held open, never read, never answered; closed with the server
                }
                Thread thread = new Thread(() -> serve(socket), "recording-socks-stream");
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
            Socks5ServerHandshake handshake = new Socks5ServerHandshake(
                    List.of(Socks5AuthMethod.PASSWORD, Socks5AuthMethod.NO_AUTH));
            byte[] buf = new byte[Socks5ServerHandshake.MAX_MESSAGE];
            ByteBuffer received = ByteBuffer.wrap(buf, 0, 0);
            Socks5Step<Socks5CommandRequest> step = handshake.next(received);
            while (!step.isDone()) {
                if (step.isFailed()) {
                    out.write(step.failure().answer());
                    return;
                }
                if (step.isSend()) {
                    // Like tor with pipelined credentials: the method choice is lost, the status and reply are sent.
                    boolean lostChoice = pipelinedLikeTor && handshake.credentials() == null
                            && Socks5AuthMethod.PASSWORD.equals(handshake.method());
                    if (!lostChoice) {
                        out.write(step.bytes());
                    }
                    step = handshake.next(received);
                } else if (step.kind() == Socks5Step.Kind.AUTHENTICATE) {
                    step = handshake.authenticated(!refusingCredentials);
                } else {
                    received = Socks5Reader.readStep(Socks5Reader.of(in), buf, received, step);
                    step = handshake.next(received);
                }
            }
            Socks5PasswordAuthRequest credentials = handshake.credentials();
            Socks5CommandRequest request = step.result();
            Recorded r = new Recorded(credentials, request, (InetSocketAddress) socket.getRemoteSocketAddress());
            recorded.add(r);
            unread.add(r);
            if (silentAfterRequest) {
                in.readAllBytes();
                return;
            }
            Socks5CommandResponse response = replies.apply(request);
            boolean connect = request.type().equals(Socks5CommandType.CONNECT);
            if (connect && response.status().isSuccess() && destinations != null) {
                relay(request, socket);
                return;
            }
            out.write(Socks5Codec.encode(response));
            if (connect && response.status().isSuccess()) {
                afterReply.run(socket);
            }
        } catch (IOException e) {
            // The client went away; that is what some tests want.
        }
    }

    private void relay(Socks5CommandRequest request, Socket client) throws IOException {
        OutputStream out = client.getOutputStream();
        try (Socket upstream = new Socket()) {
            try {
                upstream.connect(destinations.apply(request), 5000);
            } catch (IOException e) {
                out.write(Socks5Codec.encode(Socks5CommandResponse.of(Socks5CommandStatus.CONNECTION_REFUSED)));
                return;
            }
            out.write(Socks5Codec.encode(Socks5CommandResponse.of(Socks5CommandStatus.SUCCESS)));
            out.flush();
            InputStream in = client.getInputStream();
            Thread up = new Thread(() -> copy(in, upstream), "recording-socks-up");
            up.setDaemon(true);
            up.start();
            copy(upstream.getInputStream(), client);
        }
    }

    private static Socks5CommandResponse onlyTheProxyKnows(Socks5CommandRequest request) {
        if (request.type().equals(Socks5CommandType.CONNECT)) {
            return Socks5CommandResponse.of(Socks5CommandStatus.SUCCESS);
        }
        if (request.type().equals(Socks5CommandType.RESOLVE_PTR)) {
            return new Socks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.DOMAIN,
                    ptrName(request.dstAddr()), 0);
        }
        String name = request.dstAddr();
        if (name.startsWith("unknown")) {
            return Socks5CommandResponse.of(Socks5CommandStatus.HOST_UNREACHABLE);
        }
        String answer = name.startsWith("ftp") ? FTP_ADDRESS
                : name.startsWith("outside") ? OUTSIDE_ADDRESS
                : name.startsWith(PTR_PREFIX) && name.endsWith(SUFFIX)
                        ? name.substring(PTR_PREFIX.length(), name.length() - SUFFIX.length()).replace('-', '.')
                        : RESOLVED;
        return new Socks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.IPV4, answer, 0);
    }

    private static void copy(InputStream in, Socket to) {
        try {
            in.transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // Either side closed.
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
