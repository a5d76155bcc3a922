package org.streamiso.agent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server on loopback that tells each client which server name it asked for and which session it got:
 * it completes the handshake, writes {@code hello <sni-or-none> <sessionIdHex>} and closes.
 *
 * <p>Only TLS 1.2 is enabled: a resumed TLS 1.2 session keeps the id of the session it resumes
 * (RFC 5246 section 7.4.1.2), so resumption shows as a repeated id.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6066#section-3">RFC 6066 section 3: Server Name Indication</a>
 */
final class TlsTestServer implements AutoCloseable {
    /** The password of both stores that {@link #createKeyStore} writes. */
    static final String STORE_PASSWORD = "changeit";
    /** The key store that {@link #createKeyStore} writes: the server's key and certificate. */
    static final String KEY_STORE = "server.p12";
    /** The trust store that {@link #createKeyStore} writes: the server's certificate alone. */
    static final String TRUST_STORE = "trust.p12";

    private final SSLServerSocket server;
    private final List<String> requestedServerNames = new CopyOnWriteArrayList<>();

    /**
     * Writes {@code dir/server.p12}, a self-signed RSA 2048 key whose SubjectAlternativeName lists dnsNames,
     * made by the JDK's keytool, and {@code dir/trust.p12} with its certificate; both PKCS12, password
     * {@value #STORE_PASSWORD}.
     *
     * @return dir
     */
    static Path createKeyStore(Path dir, String... dnsNames) throws IOException, GeneralSecurityException,
            InterruptedException {
        if (dnsNames.length == 0) {
            throw new IllegalArgumentException("dnsNames: none (expected: at least one name)");
        }
        Path keyStore = dir.resolve(KEY_STORE);
        Path trustStore = dir.resolve(TRUST_STORE);
        Files.deleteIfExists(keyStore);
        Files.deleteIfExists(trustStore);
        String san = "SAN=" + List.of(dnsNames).stream().map(n -> "dns:" + n).collect(Collectors.joining(","));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=" + dnsNames[0], "-ext", san,
                "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool did not write " + keyStore + ": " + command + "\n" + output);
        }
        // The trust store holds the certificate alone, as a trusted-certificate entry.
        KeyStore keys = load(keyStore);
        Certificate certificate = keys.getCertificate("server");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate);
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, STORE_PASSWORD.toCharArray());
        }
        return dir;
    }

    /** Loads a PKCS12 store with password {@value #STORE_PASSWORD}. */
    static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        return ks;
    }

    /** Starts serving on 127.0.0.1 with the key in keyStore (a {@code server.p12} of {@link #createKeyStore}). */
    TlsTestServer(Path keyStore) throws IOException, GeneralSecurityException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(keyStore), STORE_PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLSv1.2");
        context.init(keys.getKeyManagers(), null, null);
        server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        server.setEnabledProtocols(new String[] {"TLSv1.2"});
        Thread t = new Thread(this::acceptLoop, "tls-test-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The server names each completed handshake requested, comma-separated, or {@code none}; one per handshake. */
    List<String> requestedServerNames() {
        return List.copyOf(requestedServerNames);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve((SSLSocket) s), "tls-test-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SSLSocket client) {
        try (client) {
            client.setSoTimeout(30_000);
            client.startHandshake();
            SSLSession session = client.getSession();
            List<SNIServerName> names = ((ExtendedSSLSession) session).getRequestedServerNames();
            String sni = names.isEmpty() ? "none" : names.stream()
                    .map(n -> n instanceof SNIHostName ? ((SNIHostName) n).getAsciiName() : n.toString())
                    .collect(Collectors.joining(","));
            requestedServerNames.add(sni);
            String line = "hello " + sni + " " + HexFormat.of().formatHex(session.getId()) + "\n";
            client.getOutputStream().write(line.getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
        } catch (IOException e) {
            // A failed handshake (the client refused the certificate) or a client that went away: nothing recorded.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
