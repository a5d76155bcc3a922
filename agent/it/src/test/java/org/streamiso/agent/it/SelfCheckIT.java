package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.testing.Canary;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.TorNetworks;

/**
 * {@code java -jar streamiso.jar check} against real tor: the private network passes every check, a SocksPort with
 * {@code NoIsolateSOCKSAuth} fails the isolation check (two keys on one circuit), and a tor that cannot reach its
 * directory authorities fails the bootstrap check.
 */
class SelfCheckIT {
    static PrivateTorNetwork tor;

    @BeforeAll
    static void startTor() {
        tor = TorNetworks.shared();
    }

    private static List<String> control() {
        return List.of("--tor-control", "127.0.0.1:" + tor.controlPort().getPort(), "--tor-cookie",
                tor.cookieFile().toString());
    }

    private static ForkedJvm.Result check(String agentArguments, List<String> options, String... more)
            throws IOException, InterruptedException {
        List<String> args = new java.util.ArrayList<>(List.of("check", agentArguments));
        args.addAll(options);
        args.addAll(List.of(more));
        return SelfCheckCommand.run(args.toArray(new String[0]));
    }

    @Test
    void thePrivateNetworkPassesEveryCheckWithResolveStreams() throws Exception {
        int port = tor.socksPorts().get(3).getPort();
        ForkedJvm.Result r = check("port=" + port + ",isolate=thread", control(), "--resolve",
                TorNetworks.UNKNOWN_NAME);
        assertEquals(0, r.exitCode(), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "ok       Tor has bootstrapped 100%", ""), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "ok       SocksPort 127.0.0.1:" + port + " answers SOCKS5 and Tor's "
                + "RESOLVE: [scrubbed] did not resolve, host unreachable (SOCKS reply 0x04)", ""), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "ok       isolation: one key's two streams shared Tor circuit ",
                "(RESOLVEs of [scrubbed]), judged by the circuit ids of Tor's STREAM events."), r.toString());
        assertTrue(r.stdout().endsWith("streamiso check: 6 ok, 0 FAILED.\n"), r.toString());
    }

    @Test
    void aProbeDestinationCarriesTheIsolationStreams() throws Exception {
        try (TestWebServer web = new TestWebServer()) {
            int port = tor.socksPorts().get(3).getPort();
            ForkedJvm.Result r = check("port=" + port + ",safe-logging=0", control(), "--probe",
                    TorNetworks.WEB_NAME + ":" + web.port());
            assertEquals(0, r.exitCode(), r.toString());
            assertNotNull(SelfCheckCommand.line(r, "ok       isolation: one key's two streams shared Tor circuit ",
                    "(CONNECTs to " + TorNetworks.WEB_NAME + ":" + web.port() + ")"), r.toString());
        }
    }

    @Test
    void aSocksPortWithNoIsolateSocksAuthFailsTheIsolationCheck() throws Exception {
        int port = tor.noIsolateSocksAuthSocksPort().getPort();
        ForkedJvm.Result r = check("port=" + port, control(), "--resolve", TorNetworks.UNKNOWN_NAME);
        assertEquals(1, r.exitCode(), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "FAILED   isolation: two isolation keys shared Tor circuit ",
                "so Tor does not separate streams by their SOCKS credentials on SocksPort 127.0.0.1:" + port
                + ". Remove NoIsolateSOCKSAuth from that SocksPort"), r.toString());
        assertTrue(r.stdout().endsWith("streamiso check: 5 ok, 1 FAILED; fix the first FAILED line and run the check "
                + "again.\n"), r.toString());
    }

    /** A real tor whose only directory authority is a closed port on loopback: it never bootstraps. */
    @Test
    void aTorThatCannotBootstrapFailsTheBootstrapCheck(@TempDir Path dir) throws Exception {
        int[] ports = new int[4];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = Canary.deadPort();
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path torrc = dir.resolve("torrc");
        Files.writeString(torrc, "DataDirectory " + data + "\n"
                + "SocksPort 127.0.0.1:" + ports[0] + "\n"
                + "ControlPort 127.0.0.1:" + ports[1] + "\n"
                + "CookieAuthentication 1\n"
                + "# An authority that does not exist, on loopback: nothing ever leaves the machine.\n"
                + "DirAuthority nowhere orport=" + ports[2] + " no-v2 v3ident=0123456789ABCDEF0123456789ABCDEF01234567 "
                + "127.0.0.1:" + ports[3] + " 0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567\n"
                + "UseDefaultFallbackDirs 0\n"
                + "__OwningControllerProcess " + ProcessHandle.current().pid() + "\n");
        Process process = new ProcessBuilder(PrivateTorNetwork.locateTor().orElseThrow().toString(), "-f",
                torrc.toString(), "--defaults-torrc", dir.resolve("none").toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader log = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            boolean ready = false;
            for (String line; !ready && (line = log.readLine()) != null; ) {
                ready = line.contains("Bootstrapped 0%");
            }
            assertTrue(ready, "tor started");
            ForkedJvm.Result r = check("port=" + ports[0] + ",timeout=2", List.of("--tor-control", "127.0.0.1:"
                    + ports[1], "--tor-cookie", data.resolve("control_auth_cookie").toString()));
            assertEquals(1, r.exitCode(), r.toString());
            String bootstrap = SelfCheckCommand.line(r, "FAILED   Tor has bootstrapped ", ", not 100%: streams wait, "
                    + "then fail. Tor cannot reach its guards or directory authorities yet");
            assertNotNull(bootstrap, r.toString());
            assertNotNull(SelfCheckCommand.line(r, "FAILED   Tor SocksPort 127.0.0.1:" + ports[0] + " did not answer "
                    + "the SOCKS handshake in time", "Check that tor has bootstrapped"), r.toString());
            assertNotNull(SelfCheckCommand.line(r, "skipped  stream isolation", ""), r.toString());
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
