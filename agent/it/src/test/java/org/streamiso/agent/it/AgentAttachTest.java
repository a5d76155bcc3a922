package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.testing.RecordingSocksServer;

/**
 * Loading the agent into a running JVM ({@code jcmd PID JVMTI.agent_load}): it routes what is opened from then on,
 * and its warning says plainly that connections opened before, and the pools that keep them, stay outside Tor.
 */
class AgentAttachTest {
    static final String NAME = "attach" + AgentRoutingTest.SUFFIX;

    /** Waits for a file to appear, then fetches {@code http://NAME/} over a plain Socket. */
    public static final class Target {
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

    @Test
    void anAttachedAgentRoutesNewConnectionsAndWarnsAboutTheOldOnes(@TempDir Path dir) throws Exception {
        try (TestWebServer web = new TestWebServer();
                RecordingSocksServer socks = RecordingSocksServer.relaying(q -> new InetSocketAddress("127.0.0.1",
                        web.port()))) {
            Path go = dir.resolve("go");
            Path err = dir.resolve("target.err");
            Process target = new ProcessBuilder(ForkedJvm.java(), "-cp", ForkedJvm.CLASS_PATH, Target.class.getName(),
                    go.toString()).redirectError(err.toFile()).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream(),
                        StandardCharsets.UTF_8));
                assertEquals("ready", out.readLine());
                String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
                ForkedJvm.Result attach = ForkedJvm.exec(List.of(jcmd, Long.toString(target.pid()), "JVMTI.agent_load",
                        ForkedJvm.AGENT_JAR.toAbsolutePath().toString(), "\"port=" + socks.port() + ",dns=mapped\""), 60);
                assertEquals(0, attach.exitCode(), attach.toString());
                Files.createFile(go);
                String result = out.readLine();
                assertTrue(target.waitFor(60, TimeUnit.SECONDS));
                String stderr = Files.readString(err);
                assertEquals("OK HTTP/1.1 200 OK", result, stderr);
                assertEquals(1, socks.requests(Socks5CommandType.CONNECT).stream()
                        .filter(q -> q.dstAddr().equals(NAME)).count(), "the new connection went through the SOCKS server");
                assertTrue(stderr.contains("streamiso: attached to a running JVM: new connections and lookups go through "
                        + "SocksPort 127.0.0.1:" + socks.port() + " from now on, but connections opened before now stay "
                        + "direct, and keep-alive pools (HTTP clients, database pools) keep sending new requests over them "
                        + "outside Tor. Restart the application with -javaagent, or close its connection pools, for every "
                        + "request to go through Tor."), stderr);
            } finally {
                target.destroyForcibly();
            }
        }
    }
}
