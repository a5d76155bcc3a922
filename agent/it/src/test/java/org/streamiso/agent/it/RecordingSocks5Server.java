package org.streamiso.agent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5Decoded;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5InitialResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5PasswordAuthResponse;
import org.streamiso.socks.Socks5Reader;

/**
 * An in-process SOCKS5 server on loopback that records what it was asked (a name, not an address) and
 * then, like Tor with MapAddress, relays every CONNECT to one local destination; or answers a failure.
 *
 * <p>Tor's RESOLVE_PTR of {@code a.b.c.d} gets {@link #ptrName ptr-a-b-c-d.only-the-proxy-knows.test}, and
 * RESOLVE of that name gets {@code a.b.c.d} back (so that the JDK's confirming forward lookup agrees); RESOLVE
 * of a name that starts with {@code unknown} gets "host unreachable", and of any other name {@link #RESOLVED}.
 */
final class RecordingSocks5Server implements AutoCloseable {
    /** The answer to RESOLVE: a loopback address, so that connecting to it directly would be bypassed. */
    static final String RESOLVED = "127.0.0.7";
    /**
     * The answer for {@code ftp*} names: a public-looking address (TEST-NET-2), as Tor answers for a real server
     * (it drops internal answers from exits, ClientDNSRejectInternalAddresses), so the FTP client checks a passive
     * reply against it. Only ever connected through this server, by the tests inside a loopback-only namespace.
     */
    static final String FTP_ADDRESS = "198.51.100.21";
    private static final String PTR_PREFIX = "ptr-";
    /**
     * The answer for {@code outside*} names: a public-looking address (TEST-NET-2), for programs under torsocks,
     * which refuses to connect to loopback. Only ever connected through this server, inside a loopback-only
     * namespace.
     */
    static final String OUTSIDE_ADDRESS = "198.51.100.80";

    /** The name this server gives an IPv4 address in a RESOLVE_PTR answer. */
    static String ptrName(String address) {
        return PTR_PREFIX + address.replace('.', '-') + AgentRoutingTest.SUFFIX;
    }

    private final ServerSocket server;
    private final List<Socks5CommandRequest> requests = new CopyOnWriteArrayList<>();
    private final List<Recorded> credentials = new CopyOnWriteArrayList<>();

    /** One request with the RFC 1929 credentials it came with (null: none), in the order they arrived. */
    record Recorded(Socks5CommandRequest request, Socks5PasswordAuthRequest auth) {
    }

    /** Every request with its credentials. */
    List<Recorded> recorded() {
        return credentials;
    }
    private final Function<Socks5CommandRequest, InetSocketAddress> destinations;
    private volatile Socks5CommandStatus answer = Socks5CommandStatus.SUCCESS;

    RecordingSocks5Server(Function<Socks5CommandRequest, InetSocketAddress> destinations) throws IOException {
        this.destinations = destinations;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "socks5-test-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    List<Socks5CommandRequest> requests() {
        return requests;
    }

    /** Makes every later CONNECT fail with this reply. */
    void answer(Socks5CommandStatus status) {
        answer = status;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "socks5-test-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(30_000);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            Socks5InitialRequest greeting = read(in, Socks5Codec::decodeInitialRequest);
            Socks5PasswordAuthRequest auth = null;
            if (greeting.authMethods().contains(Socks5AuthMethod.PASSWORD)) {
                out.write(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.PASSWORD)));
                auth = read(in, Socks5Codec::decodePasswordAuthRequest);
                out.write(Socks5Codec.encode(new Socks5PasswordAuthResponse(org.streamiso.socks.Socks5.PASSWORD_AUTH_SUCCESS)));
            } else if (greeting.authMethods().contains(Socks5AuthMethod.NO_AUTH)) {
                out.write(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH)));
            } else {
                out.write(Socks5Codec.encode(new Socks5InitialResponse(Socks5AuthMethod.UNACCEPTED)));
                return;
            }
            Socks5CommandRequest request = read(in, Socks5Codec::decodeCommandRequest);
            requests.add(request);
            credentials.add(new Recorded(request, auth));
            if (!request.type().equals(Socks5CommandType.CONNECT)) {
                out.write(Socks5Codec.encode(resolve(request)));
                return;
            }
            Socks5CommandStatus status = answer;
            if (!status.isSuccess()) {
                out.write(Socks5Codec.encode(Socks5CommandResponse.of(status)));
                return;
            }
            try (Socket upstream = new Socket()) {
                try {
                    upstream.connect(destinations.apply(request), 5000);
                } catch (IOException e) {
                    out.write(Socks5Codec.encode(Socks5CommandResponse.of(Socks5CommandStatus.CONNECTION_REFUSED)));
                    return;
                }
                out.write(Socks5Codec.encode(Socks5CommandResponse.of(Socks5CommandStatus.SUCCESS)));
                out.flush();
                Thread up = new Thread(() -> copy(in, upstream), "socks5-test-up");
                up.setDaemon(true);
                up.start();
                copy(upstream.getInputStream(), client);
            }
        } catch (IOException e) {
            // The client went away; nothing to record.
        }
    }

    private static Socks5CommandResponse resolve(Socks5CommandRequest request) {
        if (request.type().equals(Socks5CommandType.RESOLVE_PTR)) {
            return new Socks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.DOMAIN,
                    ptrName(request.dstAddr()), 0);
        }
        String name = request.dstAddr();
        if (name.startsWith("unknown")) {
            return Socks5CommandResponse.of(Socks5CommandStatus.HOST_UNREACHABLE);
        }
        String answer = name.startsWith("ftp") ? FTP_ADDRESS : name.startsWith("outside") ? OUTSIDE_ADDRESS : name.startsWith(PTR_PREFIX) && name.endsWith(AgentRoutingTest.SUFFIX)
                ? name.substring(PTR_PREFIX.length(), name.length() - AgentRoutingTest.SUFFIX.length()).replace('-', '.')
                : RESOLVED;
        return new Socks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.IPV4, answer, 0);
    }

    /** The requests of one command, in order. */
    List<Socks5CommandRequest> requests(Socks5CommandType command) {
        return requests.stream().filter(q -> q.type().equals(command)).collect(java.util.stream.Collectors.toList());
    }

    private static void copy(InputStream in, Socket to) {
        try {
            in.transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // Either side closed.
        }
    }

    private static <T> T read(InputStream in, Function<ByteBuffer, Socks5Decoded<T>> decoder) throws IOException {
        return Socks5Reader.read(Socks5Reader.of(in), decoder);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
