package org.streamiso.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.streamiso.proxy.internal.Log;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.proxy.relay.IsolationPolicy;
import org.streamiso.proxy.relay.ListenerConfig;
import org.streamiso.proxy.relay.ProxyServer;
import org.streamiso.proxy.relay.RelayConfig;
import org.streamiso.proxy.relay.StreamGate;
import org.streamiso.proxy.relay.StreamObserver;
import org.streamiso.proxy.status.StatusCollector;
import org.streamiso.proxy.status.StatusServer;
import picocli.CommandLine.Model.OptionSpec;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new CountDownLatch(0));
    }

    private String errText() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryOptionAndTheExitCodes() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (OptionSpec option : Options.spec().options()) {
            assertTrue(help.contains("  " + option.longestName()), option.longestName() + " missing from:\n" + help);
        }
        assertTrue(help.contains("  renew --status IP:PORT --key KEY\n"), help);
        assertTrue(help.contains("KEY is the password of a client whose SOCKS username is\n"), help);
        assertTrue(help.contains("client's key is its password when its username is <torS0X>0"), help);
        for (String code : new String[] {"0  ", "1  ", "2  ", "3  ", "4  ", "5  "}) {
            assertTrue(help.contains("  " + code), "exit code " + code + "missing");
        }
    }

    @Test
    void aMistypedOptionOrCommandGetsTheClosestNamesAndExitsWith2() {
        assertEquals(Main.EXIT_USAGE, run("--tor-sock", "127.0.0.1:9050"));
        assertTrue(errText().startsWith("proxy-core: option: \"--tor-sock\" (expected: one of --listen"), errText());
        assertTrue(errText().contains("\nDid you mean --tor-socks"), errText());
        err.reset();
        assertEquals(Main.EXIT_USAGE, run("statu", "--status", "127.0.0.1:9158"));
        assertTrue(errText().contains("\nDid you mean status?\n"), errText());
        err.reset();
        assertEquals(Main.EXIT_USAGE, run("renew", "--status", "127.0.0.1:9158", "--keys", "alice"));
        assertTrue(errText().startsWith("proxy-core: option: \"--keys\" (expected: --status IP:PORT and --key KEY or"
                + " --no-key after renew)\nDid you mean --key?\n"), errText());
    }

    @Test
    void optionsOfARunBeforeACommandAreRefused() {
        assertEquals(Main.EXIT_USAGE, run("--debug", "status", "--status", "127.0.0.1:9158"));
        assertTrue(errText().startsWith("proxy-core: option: \"--debug\" (expected: the command first"), errText());
    }

    @Test
    void eachCommandHasItsOwnHelp() {
        assertEquals(Main.EXIT_OK, run("renew", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("  renew --status IP:PORT --no-key\n"), help);
        assertTrue(help.contains("--key=KEY"), help);
        assertEquals("", errText());
    }

    @Test
    void completionPrintsABashScriptThatKnowsTheOptionsAndCommands() {
        assertEquals(Main.EXIT_OK, run("completion"));
        String script = out.toString(StandardCharsets.UTF_8);
        assertTrue(script.startsWith("#!/usr/bin/env bash"), script.substring(0, Math.min(200, script.length())));
        assertTrue(script.contains("complete -F _complete_proxy-core"), "registers for the command proxy-core");
        for (String word : new String[] {"--tor-socks", "--launch-tor", "--whonix-ports", "status", "renew",
            "newnym", "--no-key"}) {
            assertTrue(script.contains(word), word + " missing from the completion script");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--listen|127.0.0.1:90500|--listen: \"127.0.0.1:90500\" (expected: a port of 0-65535, 0 for any free port)",
        "--listen|localhost:9159|--listen: \"localhost:9159\" (expected: IP:PORT with an IP literal",
        "--listen|256.0.0.1:9159|--listen: \"256.0.0.1:9159\" (expected: IP:PORT with an IP literal",
        "--listen|0.0.0.0:9159|--listen: \"0.0.0.0:9159\" (expected: a loopback address such as 127.0.0.1, or password-file=FILE",
        "--listen|127.0.0.1:9159,isolate=everything|--listen: \"127.0.0.1:9159,isolate=everything\" (expected: isolate=client, dest-addr",
        "--tor-socks|tor:9050|--tor-socks: \"tor:9050\" (expected: IP:PORT",
        "--stall-timeout|5x|--stall-timeout: \"5x\" (expected: a positive duration such as 500ms, 10s or 5m)",
        "--max-streams|0|--max-streams: \"0\" (expected: 1-1000000)",
        "--tor-cookie|/tmp/cookie|--tor-control: nothing (expected: IP:PORT when --tor-cookie",
        "--frobnicate|x|option: \"--frobnicate\" (expected: one of --listen",
        "--launch-tor|9|--launch-tor: \"9\" (expected: nothing, or 1-8 tor daemons)",
        "--launch-tor=x|--whonix-ports|--launch-tor: \"x\" (expected: nothing, or 1-8 tor daemons)",
        "--debug=yes|--whonix-ports|--debug: \"yes\" (expected: no value)",
        "--whonix-ports|--listen|--listen: nothing (expected: IP:PORT[,isolate=POLICY][,password-file=FILE])",
        "--status|0.0.0.0:9158|--status: \"0.0.0.0:9158\" (expected: a loopback address such as 127.0.0.1:9158; the status endpoint has no password",
    })
    void badArgumentsExitWith2AndNameTheValueAndTheConstraint(String option, String value, String message) {
        assertEquals(Main.EXIT_USAGE, run(option, value));
        assertTrue(errText().startsWith("proxy-core: " + message), errText());
    }

    @Test
    void aNonLoopbackPortIsAcceptedWithAPasswordOfItsOwn(@TempDir Path dir) throws Exception {
        Path password = Files.writeString(dir.resolve("pw"), "s3cret\n");
        Options options = Options.parse(new String[] {"--listen", "0.0.0.0:9159,password-file=" + password});
        assertEquals("s3cret", options.listeners.get(0).password());
    }

    @Test
    void defaultsAreLoopbackAndWhonixPortsGetTheirPresets() throws Exception {
        Options defaults = Options.parse(new String[0]);
        assertEquals("127.0.0.1:9159", defaults.listeners.get(0).address().getAddress().getHostAddress() + ":"
                + defaults.listeners.get(0).address().getPort());
        assertEquals(9050, defaults.torSocksPorts.get(0).getPort());
        assertTrue(defaults.torSocksPorts.get(0).getAddress().isLoopbackAddress());

        Options whonix = Options.parse(new String[] {"--whonix-ports", "--handshake-timeout=250ms"});
        assertEquals(4, whonix.listeners.size());
        assertEquals(IsolationPolicy.DEST_ADDR_PORT, whonix.listeners.get(3).isolation());
        assertEquals(Duration.ofMillis(250), whonix.relay.handshakeTimeout());
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--unsafe-logging=yes"}));
    }

    @Test
    void aPortInUseExitsWith3() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(Main.EXIT_LISTEN_FAILED, run("--listen", "127.0.0.1:" + taken.getLocalPort()));
            assertTrue(errText().contains("Could not listen on 127.0.0.1:" + taken.getLocalPort()), errText());
        }
    }

    @Test
    void anUnreachableControlPortExitsWith4() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertEquals(Main.EXIT_CONTROL_FAILED, run("--listen", "127.0.0.1:0", "--tor-control", "127.0.0.1:" + closed));
        assertTrue(errText().contains("Could not reach Tor's ControlPort 127.0.0.1:" + closed), errText());
    }

    @Test
    void startsAndStopsCleanly() {
        assertEquals(Main.EXIT_OK, run("--listen", "127.0.0.1:0", "--tor-socks", "127.0.0.1:9"));
        assertTrue(errText().contains("proxy-core listening on 127.0.0.1:"), errText());
        assertTrue(errText().contains("proxy-core stopped:"), errText());
    }

    @Test
    void theStatusCommandPrintsTheEndpointAsATableAndRenewChangesOneKey() throws Exception {
        Log log = new Log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        IsolationCredentials credentials = IsolationCredentials.random();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (ProxyServer proxy = ProxyServer.start(RelayConfig.of(List.of(ListenerConfig.of(loopback)),
                     List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))), credentials,
                     StreamGate.OPEN, StreamObserver.NONE, log);
             StatusServer status = StatusServer.start(loopback, new StatusCollector(proxy, credentials, null,
                     new Safelog(false)), credentials, null, new Safelog(false), log)) {
            String endpoint = "127.0.0.1:" + status.address().getPort();
            assertEquals(Main.EXIT_OK, run("status", "--status", endpoint), errText());
            String table = out.toString(StandardCharsets.UTF_8);
            assertTrue(table.contains("(destinations and keys [scrubbed]; --unsafe-logging shows them)"), table);
            assertTrue(table.contains("Tor: no --tor-control, so no circuits, exits or isolation audit"), table);
            assertTrue(table.contains("SocksPorts: 127.0.0.1:9 up"), table);
            assertTrue(table.contains("No open streams."), table);

            assertEquals(Main.EXIT_OK, run("renew", "--status=" + endpoint, "--key", "alice"), errText());
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("Renewed the identity of client key [scrubbed]"
                    + " (epoch 1)"), out.toString(StandardCharsets.UTF_8));
            assertEquals(1, credentials.epoch("alice"));
            assertEquals(0, credentials.epoch("bob"));

            out.reset();
            String agentKey = "si1:shop:thread:" + "0123456789abcdef".repeat(2);
            assertEquals(Main.EXIT_OK, run("renew", "--status", endpoint, "--key", agentKey), errText());
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("Renewed the identity of client key"
                    + " si1:shop:thread:[scrubbed] (epoch 1): its new streams get new circuits."),
                    out.toString(StandardCharsets.UTF_8));
            assertEquals(1, credentials.epoch(agentKey), "the isolation string arrived as the key, ':' and all");

            out.reset();
            assertEquals(Main.EXIT_OK, run("renew", "--status", endpoint, "--no-key"), errText());
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("Renewed the identity of the clients that send"
                    + " no credentials (epoch 1)"), out.toString(StandardCharsets.UTF_8));
            assertEquals(1, credentials.epoch(null));
            assertEquals(1, credentials.epoch("alice"));

            assertEquals(Main.EXIT_STATUS_FAILED, run("newnym", "--status", endpoint));
            assertTrue(errText().contains("answered HTTP 503: proxy-core follows no ControlPort"), errText());
        }
    }

    @Test
    void theStatusCommandSaysWhenNothingAnswersAndWhatItNeeds() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertEquals(Main.EXIT_STATUS_FAILED, run("status", "--status", "127.0.0.1:" + closed));
        assertTrue(errText().startsWith("proxy-core: Could not reach proxy-core's status endpoint 127.0.0.1:" + closed
                + " ("), errText());
        assertTrue(errText().contains("nothing was shown. Is proxy-core running with --status 127.0.0.1:" + closed
                + "?"), errText());

        err.reset();
        assertEquals(Main.EXIT_USAGE, run("status"));
        assertTrue(errText().startsWith("proxy-core: --status: nothing (expected: IP:PORT of a proxy-core started"
                + " with --status"), errText());
        err.reset();
        assertEquals(Main.EXIT_USAGE, run("renew", "--status", "127.0.0.1:1"));
        assertTrue(errText().startsWith("proxy-core: --key: nothing (expected: the client's key: the password of a"
                + " client whose SOCKS username is <torS0X>0, its isolation string, e.g. renew --status"
                + " 127.0.0.1:9158 --key si1:shop:thread:0123..., or the SOCKS username of any other, e.g. --key"
                + " alice; or --no-key for the clients that send no credentials)"), errText());
        err.reset();
        assertEquals(Main.EXIT_USAGE, run("renew", "--status", "127.0.0.1:1", "--key", "alice", "--no-key"));
        assertTrue(errText().startsWith("proxy-core: --key and --no-key: both (expected: one of them"), errText());
        err.reset();
        assertEquals(Main.EXIT_USAGE, run("status", "--status", "192.0.2.1:9158"));
        assertTrue(errText().startsWith("proxy-core: --status: \"192.0.2.1:9158\" (expected: a loopback address"),
                errText());
    }
}
