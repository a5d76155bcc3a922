package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar streamiso.jar attach PID [ARGUMENTS]}: the agent goes into a running JVM through byte-buddy-agent
 * and routes what it opens from then on; a JVM that refuses attaching, and a PID that is no process, fail in words.
 */
class AttachCommandTest {

    @Test
    void attachRoutesTheTargetsNewConnections(@TempDir Path dir) throws Exception {
        try (AttachTarget target = AttachTarget.start(dir)) {
            ForkedJvm.Result attach = SelfCheckCommand.run("attach", Long.toString(target.pid()),
                    "port=" + target.socksPort() + ",dns=mapped");
            assertEquals(0, attach.exitCode(), attach.toString());
            assertTrue(attach.stdout().startsWith("streamiso: attached to JVM " + target.pid() + " with port="
                    + target.socksPort() + ",dns=mapped: its new connections and lookups go through SocksPort "
                    + "127.0.0.1:" + target.socksPort() + " from now on.\nstreamiso: connections it opened before "
                    + "stay direct"), attach.toString());
            assertTrue(attach.stdout().contains("-XX:+EnableDynamicAgentLoading"), attach.toString());
            String result = target.fetch();
            String stderr = target.stderr();
            assertEquals("OK HTTP/1.1 200 OK", result, stderr);
            assertEquals(1, target.connectsToName(), "routed after the attach");
            assertTrue(stderr.contains("streamiso: attached to a running JVM: new connections and lookups go "
                    + "through SocksPort 127.0.0.1:" + target.socksPort()), stderr);
            if (ForkedJvm.feature() >= 21) {
                assertTrue(stderr.contains("WARNING: A Java agent has been loaded dynamically"), stderr);
            }
        }
    }

    @Test
    void aTargetWithAttachDisabledIsRefusedInWords(@TempDir Path dir) throws Exception {
        try (AttachTarget target = AttachTarget.start(dir, "-XX:+DisableAttachMechanism")) {
            ForkedJvm.Result attach = SelfCheckCommand.run("attach", Long.toString(target.pid()), "port=9050");
            assertEquals(1, attach.exitCode(), attach.toString());
            assertEquals("streamiso attach: JVM " + target.pid() + " refuses attaching (AttachNotSupportedException: "
                    + "The VM does not support the attach mechanism); nothing was attached. It was started with "
                    + "-XX:+DisableAttachMechanism: restart it without that option, or with -javaagent:streamiso.jar.\n",
                    attach.stderr(), attach.toString());
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
