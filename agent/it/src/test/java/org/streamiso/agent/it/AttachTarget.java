package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The set-up of the attach tests: a JVM without the agent that waits to be attached to ({@link Main}), the web server
 * its fetch reaches and a recording SOCKS server that relays to it. The JVM has said "ready" when {@link #start}
 * returns; {@link #fetch} lets it go on.
 */
final class AttachTarget implements AutoCloseable {
    /** The name the target fetches once it may go on: only the SOCKS server can reach it. */
    static final String NAME = "attach" + AgentRoutingTest.SUFFIX;

    /** Waits for a file to appear, then fetches {@code http://NAME/} over a plain Socket. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            System.out.println("ready");
            System.out.flush();
            Path go = Path.of(args[0]);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(go) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Clients.report(() -> Clients.fetch("socket", "attached", NAME, 80).lines().findFirst().orElse(""));
        }
    }

    private final TestWebServer web;
    private final RecordingSocksServer socks;
    private final Process process;
    private final BufferedReader out;
    private final Path go;
    private final Path err;

    private AttachTarget(TestWebServer web, RecordingSocksServer socks, Process process, Path go, Path err) {
        this.web = web;
        this.socks = socks;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.go = go;
        this.err = err;
    }

    /** Starts the servers and the target JVM, with {@code jvmOptions} before its class path, and waits for "ready". */
    static AttachTarget start(Path dir, String... jvmOptions) throws Exception {
        TestWebServer web = new TestWebServer();
        RecordingSocksServer socks = RecordingSocksServer.relaying(q -> new InetSocketAddress("127.0.0.1", web.port()));
        List<String> command = new ArrayList<>(List.of(ForkedJvm.java()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", ForkedJvm.CLASS_PATH, Main.class.getName(), dir.resolve("go").toString()));
        Path err = dir.resolve("target.err");
        AttachTarget target = new AttachTarget(web, socks,
                new ProcessBuilder(command).redirectError(err.toFile()).start(), dir.resolve("go"), err);
        try {
            assertEquals("ready", target.out.readLine(), target::stderr);
            return target;
        } catch (Throwable e) {
            target.close();
            throw e;
        }
    }

    long pid() {
        return process.pid();
    }

    /** The port of the recording SOCKS server: the agent's {@code port=}. */
    int socksPort() {
        return socks.port();
    }

    /** Lets the target fetch {@link #NAME}, waits for it to end, and returns the line it printed. */
    String fetch() throws Exception {
        Files.createFile(go);
        String result = out.readLine();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), this::stderr);
        return result;
    }

    /** How many CONNECTs to {@link #NAME} reached the SOCKS server. */
    long connectsToName() {
        return socks.requests(Socks5CommandType.CONNECT).stream().filter(q -> q.dstAddr().equals(NAME)).count();
    }

    /** What the target wrote to standard error so far. */
    String stderr() {
        try {
            return Files.readString(err);
        } catch (IOException e) {
            return "(no standard error: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        process.destroyForcibly();
        socks.close();
        web.close();
    }
}
