package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.testing.RecordingSocksServer;

/**
 * {@code java -jar streamiso.jar attach PID [ARGUMENTS]}: the agent goes into a running JVM through byte-buddy-agent
 * and routes what it opens from then on; a JVM that refuses attaching, and a PID that is no process, fail in words.
 */
class AttachCommandTest {

    @Test
    void attachRoutesTheTargetsNewConnections(@TempDir Path dir) throws Exception {
        try (TestWebServer web = new TestWebServer();
                RecordingSocksServer socks = RecordingSocksServer.relaying(q -> new InetSocketAddress("127.0.0.1",
                        web.port()))) {
            Path go = dir.resolve("go");
            Path err = dir.resolve("target.err");
            Process target = new ProcessBuilder(ForkedJvm.java(), "-cp", ForkedJvm.CLASS_PATH,
                    AgentAttachTest.Target.class.getName(), go.toString()).redirectError(err.toFile()).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream(),
                        StandardCharsets.UTF_8));
                assertEquals("ready", out.readLine());
                ForkedJvm.Result attach = SelfCheckCommand.run("attach", Long.toString(target.pid()),
                        "port=" + socks.port() + ",dns=mapped");
                assertEquals(0, attach.exitCode(), attach.toString());
                assertTrue(attach.stdout().startsWith("streamiso: attached to JVM " + target.pid() + " with port="
                        + socks.port() + ",dns=mapped: its new connections and lookups go through SocksPort 127.0.0.1:"
                        + socks.port() + " from now on.\nstreamiso: connections it opened before stay direct"),
                        attach.toString());
                assertTrue(attach.stdout().contains("-XX:+EnableDynamicAgentLoading"), attach.toString());
                Files.createFile(go);
                String result = out.readLine();
                assertTrue(target.waitFor(60, TimeUnit.SECONDS));
                String stderr = Files.readString(err);
                assertEquals("OK HTTP/1.1 200 OK", result, stderr);
                assertEquals(1, socks.requests(Socks5CommandType.CONNECT).stream()
                        .filter(q -> q.dstAddr().equals(AgentAttachTest.NAME)).count(), "routed after the attach");
                assertTrue(stderr.contains("streamiso: attached to a running JVM: new connections and lookups go "
                        + "through SocksPort 127.0.0.1:" + socks.port()), stderr);
                if (ForkedJvm.feature() >= 21) {
                    assertTrue(stderr.contains("WARNING: A Java agent has been loaded dynamically"), stderr);
                }
            } finally {
                target.destroyForcibly();
            }
        }
    }

    @Test
    void aTargetWithAttachDisabledIsRefusedInWords(@TempDir Path dir) throws Exception {
        Process target = new ProcessBuilder(ForkedJvm.java(), "-XX:+DisableAttachMechanism", "-cp",
                ForkedJvm.CLASS_PATH, AgentAttachTest.Target.class.getName(), dir.resolve("never").toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            ForkedJvm.Result attach = SelfCheckCommand.run("attach", Long.toString(target.pid()), "port=9050");
            assertEquals(1, attach.exitCode(), attach.toString());
            assertEquals("streamiso attach: JVM " + target.pid() + " refuses attaching (AttachNotSupportedException: "
                    + "The VM does not support the attach mechanism); nothing was attached. It was started with "
                    + "-XX:+DisableAttachMechanism: restart it without that option, or with -javaagent:streamiso.jar.\n",
                    attach.stderr(), attach.toString());
        } finally {
            target.destroyForcibly();
        }
    }

    @Test
    void aPidThatIsNoProcessOrBadArgumentsAttachNothing() throws Exception {
        long pid = ProcessHandle.current().pid();
        long none = 4_000_000 + pid;
        ForkedJvm.Result missing = SelfCheckCommand.run("attach", Long.toString(none));
        assertEquals(1, missing.exitCode(), missing.toString());
        assertTrue(missing.stderr().startsWith("streamiso attach: no process has id " + none + "; nothing was "
                + "attached."), missing.toString());
        ForkedJvm.Result bad = SelfCheckCommand.run("attach", Long.toString(pid), "isolate=site");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().startsWith("streamiso attach: isolate: \"site\""), bad.toString());
        ForkedJvm.Result notAPid = SelfCheckCommand.run("attach", "12ab");
        assertEquals(2, notAPid.exitCode(), notAPid.toString());
    }
}
