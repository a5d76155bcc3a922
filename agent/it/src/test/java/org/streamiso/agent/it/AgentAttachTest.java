package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading the agent into a running JVM ({@code jcmd PID JVMTI.agent_load}): it routes what is opened from then on,
 * and its warning says plainly that connections opened before, and the pools that keep them, stay outside Tor.
 */
class AgentAttachTest {

    @Test
    void anAttachedAgentRoutesNewConnectionsAndWarnsAboutTheOldOnes(@TempDir Path dir) throws Exception {
        try (AttachTarget target = AttachTarget.start(dir)) {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            ForkedJvm.Result attach = ForkedJvm.exec(List.of(jcmd, Long.toString(target.pid()), "JVMTI.agent_load",
                    ForkedJvm.AGENT_JAR.toAbsolutePath().toString(), "\"port=" + target.socksPort() + ",dns=mapped\""),
                    60);
            assertEquals(0, attach.exitCode(), attach.toString());
            String result = target.fetch();
            String stderr = target.stderr();
            assertEquals("OK HTTP/1.1 200 OK", result, stderr);
            assertEquals(1, target.connectsToName(), "the new connection went through the SOCKS server");
            assertTrue(stderr.contains("streamiso: attached to a running JVM: new connections and lookups go through "
                    + "SocksPort 127.0.0.1:" + target.socksPort() + " from now on, but connections opened before now "
                    + "stay direct, and keep-alive pools (HTTP clients, database pools) keep sending new requests over "
                    + "them outside Tor. Restart the application with -javaagent, or close its connection pools, for "
                    + "every request to go through Tor."), stderr);
        }
    }
}
