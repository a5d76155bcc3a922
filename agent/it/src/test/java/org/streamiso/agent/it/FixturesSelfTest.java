package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.testing.Canary;

/**
 * {@link FtpTestServer}, {@link TlsTestServer} and {@link PeerClients} work on their own: without the agent and
 * without SOCKS, on loopback, so that a failing agent test means the agent and not its fixtures.
 */
class FixturesSelfTest {
    private static final String FIRST_LINE = FtpTestServer.CONTENT.strip();

    @Test
    void jdkFtpClientGetsAndPutsThroughTheAdvertisedDataPort() throws Exception {
        try (FtpTestServer ftp = new FtpTestServer(0, "127.0.0.1")) {
            assertEquals(FIRST_LINE, PeerClients.ftpGet("pasv", "127.0.0.1", ftp.port()), ftp.commands().toString());
            assertEquals("uploaded", PeerClients.ftpPut("pasv", "127.0.0.1", ftp.port()));
            assertEquals(FIRST_LINE, PeerClients.ftpGet("pasv-hostile", "127.0.0.1", ftp.port()));
            assertEquals(FIRST_LINE, PeerClients.ftpGet("epsv", "127.0.0.1", ftp.port()));

            assertEquals(List.of(PeerClients.UPLOAD), ftp.uploads(), ftp.commands().toString());
            assertEquals(4, ftp.dataConnections(), ftp.commands().toString());
            List<String> commands = ftp.commands();
            assertTrue(commands.contains("PASV") && commands.contains("EPSV") && commands.contains("STOR up.txt"),
                    commands.toString());
            assertTrue(commands.stream().noneMatch(c -> c.startsWith("PORT") || c.startsWith("EPRT")),
                    commands.toString());
        }
    }

    @Test
    void tlsClientSendsEachNameAndResumesPerName(@TempDir Path dir) throws Exception {
        // The JDK sends SNI only for a name with a dot (so not for "localhost"): the forked JVM's resolver reads
        // a hosts file that gives two such names to 127.0.0.1.
        String a = "a.fixture.test";
        String b = "b.fixture.test";
        TlsTestServer.createKeyStore(dir, a, b);
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost " + a + " " + b + "\n");
        try (TlsTestServer tls = new TlsTestServer(dir.resolve(TlsTestServer.KEY_STORE))) {
            String port = Integer.toString(tls.port());
            ForkedJvm.Result r = ForkedJvm.run(null, List.of("-Djdk.net.hosts.file=" + hosts), PeerClients.class,
                    "tls", dir.resolve(TlsTestServer.TRUST_STORE).toString(), a, b, port);

            List<String> lines = r.stdout().lines().toList();
            assertEquals(4, lines.size(), r.toString());
            assertTrue(lines.get(0).startsWith("OK " + a + " peerHost=" + a + " peerPort=" + port + " remote=" + a
                    + ":" + port + " session="), r.toString());
            assertTrue(lines.get(0).contains(" line=hello " + a + " "), r.toString());
            assertTrue(lines.get(1).startsWith("OK " + b + " peerHost=" + b), r.toString());
            assertTrue(lines.get(1).contains(" line=hello " + b + " "), r.toString());
            assertEquals("resumed-a=true distinct-b=true", lines.get(3), r.toString());
            assertEquals(List.of(a, b, a), tls.requestedServerNames(), r.toString());
        }
    }

    @Test
    void peerReportsTheAddressOfAResolvedConnect() throws Exception {
        try (Canary listener = new Canary()) {
            String port = Integer.toString(listener.port());
            ForkedJvm.Result r = ForkedJvm.run(null, List.of(), PeerClients.class, "peer", "localhost", port);

            assertTrue(r.stdout().contains("socket-resolved: OK host=localhost port=" + port + " unresolved=false\n"),
                    r.toString());
            // Without the agent, an unresolved address cannot be connected.
            assertTrue(r.stdout().contains("socket-unresolved: EXC java.net.UnknownHostException"), r.toString());
            assertTrue(r.stdout().contains("channel: EXC java.nio.channels.UnresolvedAddressException"), r.toString());
        }
    }
}
