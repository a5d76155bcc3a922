package org.streamiso.agent.it;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.streamiso.testing.Canary;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The other side of the syscall-trace test, run without the agent inside the same loopback-only network
 * namespace: a SOCKS5 server, a web server, a canary, a hostile FTP server (its passive replies point at the
 * canary) and a TLS server. The SOCKS server, like Tor with MapAddress, sends {@code ftp*} names on port 21 to the
 * FTP server's control port and on every other port, as well as {@link RecordingSocksServer#FTP_ADDRESS}, to its
 * own data port; {@code tls-*} names to the TLS server; everything else to the web server. Writes
 * {@code socksPort webPort canaryPort deadPort ftpPort tlsPort} to the file given (the TLS server's key store is
 * the second argument), then serves until it is killed, writing the canary's count to {@code FILE.canary} and every
 * SOCKS request with its password to {@code FILE.auth}.
 */
public final class LeakHarness {
    private LeakHarness() {
    }

    public static void main(String[] args) throws Exception {
        TestWebServer web = new TestWebServer();
        Canary canary = new Canary();
        FtpTestServer ftp = new FtpTestServer(canary.port(), RecordingSocksServer.FTP_ADDRESS);
        TlsTestServer tls = new TlsTestServer(Path.of(args[1]));
        RecordingSocksServer socks = RecordingSocksServer.relaying(q -> {
            String host = q.dstAddr();
            if (host.startsWith("ftp") || host.equals(RecordingSocksServer.FTP_ADDRESS)) {
                return new InetSocketAddress("127.0.0.1", q.dstPort() == 21 ? ftp.port() : ftp.dataPort());
            }
            return new InetSocketAddress("127.0.0.1", host.startsWith("tls-") ? tls.port() : web.port());
        });
        Path ports = Path.of(args[0]);
        Path tmp = Path.of(args[0] + ".tmp");
        Files.writeString(tmp, socks.port() + " " + web.port() + " " + canary.port() + " " + Canary.deadPort()
                + " " + ftp.port() + " " + tls.port() + "\n");
        Files.move(tmp, ports);
        Path canaryCount = Path.of(args[0] + ".canary");
        Path canaryTmp = Path.of(args[0] + ".canary.tmp");
        Path auth = Path.of(args[0] + ".auth");
        Path authTmp = Path.of(args[0] + ".auth.tmp");
        while (true) {
            // Written aside and moved into place, so that a reader never sees the file empty mid-write.
            Files.writeString(canaryTmp, Integer.toString(canary.accepted()));
            Files.move(canaryTmp, canaryCount, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            // Each request and the password it came with, for tests that compare isolation credentials.
            StringBuilder recorded = new StringBuilder();
            for (RecordingSocksServer.Recorded r : socks.recorded()) {
                recorded.append(r.request().type()).append(' ').append(r.request().dstAddr()).append(' ')
                        .append(r.credentials() == null ? "-" : r.credentials().password()).append('\n');
            }
            Files.writeString(authTmp, recorded);
            Files.move(authTmp, auth, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(100);
        }
    }
}
