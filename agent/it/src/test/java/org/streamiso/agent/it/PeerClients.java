package org.streamiso.agent.it;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * An unmodified application for the forked-JVM tests of protocols that carry a peer's address or name:
 * the JDK's FTP client, a TLS client connected by name, and the remote address each socket API reports.
 *
 * <p>Usage, one line per result in {@link Clients#report} form ({@code OK ...}, or {@code EXC ...} and
 * {@code CAUSE ...} lines):
 * <ul>
 * <li>{@code ftp-get USER HOST PORT}: {@code OK <first line of ftp://USER:secret@HOST:PORT/file.txt>};
 * <li>{@code ftp-put USER HOST PORT}: uploads {@link #UPLOAD} to {@code up.txt}, {@code OK uploaded};
 * <li>{@code tls TRUSTSTORE HOST_A HOST_B PORT}: connects to A, B, A with one SSLContext, one line each, then
 *     {@code resumed-a=<bool> distinct-b=<bool>};
 * <li>{@code peer HOST PORT}: {@code PATH: OK host=.. port=.. unresolved=..} for each socket API.
 * </ul>
 */
public final class PeerClients {
    /** What {@code ftp-put} uploads. */
    static final String UPLOAD = "uploaded by the client\n";
    private static final int TIMEOUT_MS = 10_000;

    private PeerClients() {
    }

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "ftp-get":
                Clients.report(() -> ftpGet(args[1], args[2], Integer.parseInt(args[3])));
                break;
            case "ftp-put":
                Clients.report(() -> ftpPut(args[1], args[2], Integer.parseInt(args[3])));
                break;
            case "tls":
                tls(Path.of(args[1]), args[2], args[3], Integer.parseInt(args[4]));
                break;
            case "peer":
                peer(args[1], Integer.parseInt(args[2]));
                break;
            default:
                throw new IllegalArgumentException("mode: " + (args.length == 0 ? "none" : "\"" + args[0] + "\"")
                        + " (expected: ftp-get, ftp-put, tls or peer)");
        }
    }

    /** Fetches {@code ftp://USER:secret@HOST:PORT/file.txt} with the JDK's client; returns its first line. */
    static String ftpGet(String user, String host, int port) throws Exception {
        URLConnection c = new URL("ftp://" + user + ":secret@" + host + ":" + port + "/file.txt").openConnection();
        c.setConnectTimeout(TIMEOUT_MS);
        c.setReadTimeout(TIMEOUT_MS);
        try (InputStream in = c.getInputStream()) {
            String content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int eol = content.indexOf('\n');
            return eol >= 0 ? content.substring(0, eol) : content;
        }
    }

    /** Uploads {@link #UPLOAD} to {@code ftp://USER:secret@HOST:PORT/up.txt} with the JDK's client. */
    static String ftpPut(String user, String host, int port) throws Exception {
        URLConnection c = new URL("ftp://" + user + ":secret@" + host + ":" + port + "/up.txt;type=i").openConnection();
        c.setConnectTimeout(TIMEOUT_MS);
        c.setReadTimeout(TIMEOUT_MS);
        c.setDoOutput(true);
        // Closing the stream closes the data connection, reads the server's 226 and sends QUIT.
        try (OutputStream out = c.getOutputStream()) {
            out.write(UPLOAD.getBytes(StandardCharsets.UTF_8));
        }
        return "uploaded";
    }

    /**
     * Connects by name to A, B and A again through one SSLContext (so one client session cache) trusting only
     * trustStore, with HTTPS endpoint identification, so that a handshake fails unless the certificate names
     * the host; prints a line per connection and then whether A resumed and B got a session of its own.
     */
    static void tls(Path trustStore, String hostA, String hostB, int port) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(TlsTestServer.load(trustStore));
        SSLContext context = SSLContext.getInstance("TLSv1.2");
        context.init(null, trust.getTrustManagers(), null);
        SSLSocketFactory factory = context.getSocketFactory();
        String[] hosts = {hostA, hostB, hostA};
        String[] ids = new String[hosts.length];
        for (int i = 0; i < hosts.length; i++) {
            int n = i;
            Clients.report(() -> {
                // Unconnected, then connect with a timeout: how JNDI's LDAPS connects. The JDK takes the peer
                // host for SNI and endpoint identification from the name the connected address carries.
                try (SSLSocket s = (SSLSocket) factory.createSocket()) {
                    SSLParameters parameters = s.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    s.setSSLParameters(parameters);
                    s.connect(new InetSocketAddress(hosts[n], port), TIMEOUT_MS);
                    s.setSoTimeout(TIMEOUT_MS);
                    s.startHandshake();
                    SSLSession session = s.getSession();
                    String id = HexFormat.of().formatHex(session.getId());
                    ids[n] = id.isEmpty() ? null : id;
                    String line = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.US_ASCII)).readLine();
                    return hosts[n] + " peerHost=" + session.getPeerHost() + " peerPort=" + session.getPeerPort()
                            + " remote=" + hostName(s.getInetAddress()) + ":" + s.getPort()
                            + " session=" + (id.isEmpty() ? "none" : id) + " line=" + line;
                }
            });
        }
        System.out.println("resumed-a=" + (ids[0] != null && ids[0].equals(ids[2]))
                + " distinct-b=" + (ids[0] != null && ids[1] != null && !ids[1].equals(ids[0])));
        System.out.flush();
    }

    /**
     * Connects to HOST:PORT over each socket API and prints the remote address that API then reports.
     *
     * <p>Without the agent the paths that connect an unresolved address fail with UnknownHostException or
     * UnresolvedAddressException, which is expected: only a proxy can connect a name.
     */
    static void peer(String host, int port) {
        path("socket-unresolved", () -> {
            try (Socket s = new Socket()) {
                s.connect(InetSocketAddress.createUnresolved(host, port), TIMEOUT_MS);
                return describe(s);
            }
        });
        path("socket-resolved", () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
                return describe(s);
            }
        });
        path("channel", () -> {
            try (SocketChannel ch = SocketChannel.open()) {
                ch.connect(InetSocketAddress.createUnresolved(host, port));
                return describe(ch.getRemoteAddress());
            }
        });
        path("channel-adaptor", () -> {
            try (SocketChannel ch = SocketChannel.open()) {
                ch.socket().connect(InetSocketAddress.createUnresolved(host, port), TIMEOUT_MS);
                return describe(ch.socket());
            }
        });
        path("async", () -> {
            try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                ch.connect(InetSocketAddress.createUnresolved(host, port)).get(30, TimeUnit.SECONDS);
                return describe(ch.getRemoteAddress());
            }
        });
    }

    private static void path(String name, Callable<String> call) {
        System.out.print(name + ": ");
        Clients.report(call);
    }

    private static String describe(Socket s) {
        return describe(s.getInetAddress(), s.getPort(), s.getRemoteSocketAddress());
    }

    private static String describe(SocketAddress remote) {
        InetSocketAddress isa = remote instanceof InetSocketAddress ? (InetSocketAddress) remote : null;
        return describe(isa == null ? null : isa.getAddress(), isa == null ? 0 : isa.getPort(), remote);
    }

    private static String describe(InetAddress address, int port, SocketAddress remote) {
        return "host=" + hostName(address) + " port=" + port + " unresolved="
                + (remote instanceof InetSocketAddress ? Boolean.toString(((InetSocketAddress) remote).isUnresolved())
                        : "null");
    }

    /**
     * The name the reported address carries, or {@code null} when the API reports none.
     *
     * <p><b>Important:</b> only ever called on an address an API reported: {@code getHostName()} returns the
     * name an address was made with and does a reverse lookup only for an address that has none.
     */
    private static String hostName(InetAddress address) {
        return address == null ? "null" : address.getHostName();
    }
}
