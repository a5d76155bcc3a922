package org.streamiso.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.control.StreamEvent;
import org.streamiso.proxy.testing.SocksClient;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.testing.EchoServer;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworkExtension;
import org.streamiso.testnet.TorNetworks;

/**
 * {@code java -jar proxy-core.jar --launch-tor [N]} as a user runs it, in a JVM of its own, with tors of its own that
 * join the private Tor network through {@code --tor-config} (the network's {@code other-client.torrc}): bootstrap
 * shown as log lines, a stream to a name that exists only inside Tor, each key on one of two daemons (judged by
 * each daemon's own STREAM events), a {@code kill -9}ed tor restarted while new streams fail closed, and no tor left
 * once proxy-core exits.
 */
@ExtendWith(TorNetworkExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LaunchTorIT {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("proxy-core listening on 127\\.0\\.0\\.1:(\\d+) ");

    @TempDir
    Path dir;
    private ProxyCore proxyCore;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        if (proxyCore != null) {
            proxyCore.process.destroyForcibly();
            System.err.print(proxyCore.text());
        }
    }

    /** A proxy-core JVM and its log (stderr, not a terminal: plain log lines). */
    private static final class ProxyCore {
        final Process process;
        final List<String> lines = new ArrayList<>();

        ProxyCore(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        synchronized (lines) {
                            lines.add(line);
                            lines.notifyAll();
                        }
                    }
                } catch (IOException ignored) {
                    // The process ended.
                }
            }, "proxy-core-log");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for a log line after {@code from} that {@code match}es; returns its index. */
        int await(int from, Predicate<String> match, String what) throws InterruptedException {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            synchronized (lines) {
                for (int i = from; ; ) {
                    while (i < lines.size()) {
                        if (match.test(lines.get(i))) {
                            return i;
                        }
                        i++;
                    }
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0 || !process.isAlive() && i == lines.size()) {
                        throw new AssertionError("proxy-core did not log " + what + ":\n" + text());
                    }
                    lines.wait(Math.min(left, 200));
                }
            }
        }

        String text() {
            synchronized (lines) {
                return String.join("\n", lines) + "\n";
            }
        }
    }

    private InetSocketAddress start(PrivateTorNetwork tor, int daemons) throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path jar = Path.of("..", "target", "proxy-core.jar").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), jar + " is built in the package phase");
        List<String> command = List.of(java.toString(), "-jar", jar.toString(), "--launch-tor",
                String.valueOf(daemons), "--tor-data-dir", dir.resolve("tor").toString(), "--tor-config",
                tor.otherClientTorrc().toString(), "--listen", "127.0.0.1:0", "--debug");
        proxyCore = new ProxyCore(new ProcessBuilder(command).redirectErrorStream(true).start());
        int at = proxyCore.await(0, line -> LISTENING.matcher(line).find() || line.contains("did not start"),
                "that it listens");
        Matcher listening = LISTENING.matcher(proxyCore.lines.get(at));
        assertTrue(listening.find(), proxyCore.text());
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(listening.group(1)));
    }

    private Path daemonDir(int index) {
        return dir.resolve("tor").resolve("tor-" + index);
    }

    private long torPid(int index) throws IOException {
        return Long.parseLong(Files.readString(daemonDir(index).resolve("tor.pid")).strip());
    }

    private StreamEvents events(int index) throws IOException {
        String port = Files.readString(daemonDir(index).resolve("control-port")).strip();
        int colon = port.lastIndexOf(':');
        StreamEvents events = StreamEvents.open(new InetSocketAddress("127.0.0.1",
                Integer.parseInt(port.substring(colon + 1))), daemonDir(index).resolve("data/control_auth_cookie"));
        closeables.add(events);
        return events;
    }

    private static Socks5PasswordAuthRequest key(String app) {
        return new Socks5PasswordAuthRequest("<torS0X>0", "si1:" + app + ":app:0123456789abcdef0123456789abcdef");
    }

    private static void assertEchoes(InetSocketAddress proxy, Socks5PasswordAuthRequest key, EchoServer web)
            throws IOException {
        try (Socket socket = SocksClient.connect(proxy, key, Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT,
                TorNetworks.WEB_NAME, web.port()))) {
            socket.setSoTimeout(60_000);
            byte[] sent = "through a tor of proxy-core's own".getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(sent);
            assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
        }
    }

    private void assertExitsAndLeavesNoTor(long... torPids) throws InterruptedException {
        proxyCore.process.destroy(); // SIGTERM
        assertTrue(proxyCore.process.waitFor(30, TimeUnit.SECONDS), "proxy-core did not exit on SIGTERM");
        assertEquals(143, proxyCore.process.exitValue(), proxyCore.text());
        for (long pid : torPids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                    "tor " + pid + " still runs after proxy-core exited");
        }
    }

    @Test
    void twoDaemonsKeepEachKeyOnOneAndSpreadTheKeys(PrivateTorNetwork tor) throws Exception {
        InetSocketAddress proxy = start(tor, 2);
        String log = proxyCore.text();
        assertTrue(log.contains("INFO  tor 1 of 2 bootstrapped 100% (done: Done); streams go through it."), log);
        assertTrue(log.contains("INFO  tor 2 of 2 bootstrapped 100% (done: Done); streams go through it."), log);
        assertTrue(log.contains("tor 1 of 2 bootstrapped 50% ("), log);

        StreamEvents first = events(1);
        StreamEvents second = events(2);
        int keys = 16;
        List<EchoServer> servers = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            EchoServer web = EchoServer.start();
            closeables.add(web);
            servers.add(web);
            for (int stream = 0; stream < 2; stream++) {
                assertEchoes(proxy, key("key" + k), web);
            }
        }
        int onFirst = 0;
        for (int k = 0; k < keys; k++) {
            int port = servers.get(k).port();
            // Each stream's SUCCEEDED event comes before its bytes, so every one is in by now; a key's streams are
            // told apart from other keys' by their destination port (one echo server per key).
            Predicate<StreamEvent> ofKey = e -> StreamEvent.SUCCEEDED.equals(e.status()) && e.targetPort() == port;
            long a = first.events().stream().filter(ofKey).count();
            long b = second.events().stream().filter(ofKey).count();
            assertTrue(a == 2 && b == 0 || a == 0 && b == 2, "key" + k + ": " + a + " streams on tor 1, " + b
                    + " on tor 2");
            onFirst += a > 0 ? 1 : 0;
        }
        // 16 keys all on one of two daemons: probability 2^-15.
        assertTrue(onFirst > 0 && onFirst < keys, onFirst + " of " + keys + " keys on tor 1");
        assertExitsAndLeavesNoTor(torPid(1), torPid(2));
    }

    @Test
    void aKilledTorIsRestartedAndStreamsFailClosedMeanwhile(PrivateTorNetwork tor) throws Exception {
        InetSocketAddress proxy = start(tor, 1);
        String log = proxyCore.text();
        assertTrue(log.contains("INFO  Tor bootstrapped 100% (done: Done); streams go through it."), log);
        EchoServer web = EchoServer.start();
        closeables.add(web);
        assertEchoes(proxy, key("alice"), web);

        long killed = torPid(1);
        int before = proxyCore.lines.size();
        ProcessHandle.of(killed).orElseThrow().destroyForcibly(); // kill -9
        int exited = proxyCore.await(before, line -> line.contains("tor 1 (launched by proxy-core) exited"),
                "that tor exited");
        try (EchoServer canary = EchoServer.start()) {
            long started = System.nanoTime();
            try (SocksClient.Result refused = SocksClient.request(proxy, key("alice"), Socks5CommandRequest.ofDomain(
                    Socks5CommandType.CONNECT, TorNetworks.WEB_NAME, canary.port()))) {
                assertEquals(Socks5CommandStatus.FAILURE, refused.response().status());
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(millis < 2_000, "the refusal took " + millis + " ms");
            assertEquals(0, canary.acceptedConnections(), "a stream reached its destination without Tor");
        }
        proxyCore.await(exited, line -> line.contains("tor 1 (launched by proxy-core) is back"), "that tor is back");
        assertEchoes(proxy, key("alice"), web);
        long restarted = torPid(1);
        assertTrue(restarted != killed, "the tor pid file still names the killed tor");
        assertExitsAndLeavesNoTor(killed, restarted);
    }
}
