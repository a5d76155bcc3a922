package org.streamiso.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.agent.bootstrap.AgentConfig;
import org.streamiso.agent.bootstrap.ChildProcesses;
import org.streamiso.agent.bootstrap.Log;

class AgentArgumentsTest {

    @Test
    void defaultsToTorsSocksPortOnLoopbackWithLoopbackBypassed() {
        AgentConfig c = AgentArguments.parse(null);
        assertEquals("127.0.0.1:9050", c.socksPortText());
        assertEquals("127.0.0.0/8+::1+localhost", c.bypass().toString());
        assertEquals(Log.Level.WARN, c.logLevel());
        assertTrue(c.safeLogging());
        assertEquals(AgentConfig.Dns.REMOTE, c.dns());
        assertEquals(AgentConfig.Udp.BYPASS, c.udp());
        assertEquals(c.toString(), AgentArguments.parse("").toString());
    }

    @Test
    void readsEveryKey() {
        AgentConfig c = AgentArguments.parse(
                "port=9159, host=::1 ,bypass=none,dns=Mapped,udp=loopback,log=DEBUG,safe-logging=0");
        assertEquals("[0:0:0:0:0:0:0:1]:9159", c.socksPortText());
        assertEquals(AgentConfig.Dns.MAPPED, c.dns());
        assertEquals(AgentConfig.Udp.LOOPBACK, c.udp());
        assertEquals(AgentConfig.Udp.NONE, AgentArguments.parse("udp=none").udp());
        assertTrue(c.bypass().isEmpty());
        assertEquals(Log.Level.DEBUG, c.logLevel());
        assertFalse(c.safeLogging());
        assertEquals("127.0.0.1:9050", AgentArguments.parse("host=localhost").socksPortText());
    }

    @Test
    void letsTheCommandLineWinOverTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent.conf");
        Files.writeString(file, "# comment\nport=9169\nlog=info\n\n");
        AgentConfig c = AgentArguments.parse("config=" + file + ",port=9189");
        assertEquals(9189, c.socksPort().getPort());
        assertEquals(Log.Level.INFO, c.logLevel());
    }

    @Test
    void refusesAConfigFileThatNamesAnother(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent.conf");
        Files.writeString(file, "config=/etc/other\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentArguments.parse("config=" + file));
        assertTrue(e.getMessage().contains("(expected: only on the command line)"), e.getMessage());
    }

    @Test
    void namesTheArgumentTheValueAndWhatIsAccepted() {
        assertEquals("port: \"0\" (expected: 1-65535)", message("port=0"));
        assertEquals("port: \"65536\" (expected: 1-65535)", message("port=65536"));
        assertEquals("log: \"trace\" (expected: warn, info or debug)", message("log=trace"));
        assertTrue(message("dns=local").startsWith("dns: \"local\" (expected: remote, "), message("dns=local"));
        assertTrue(message("udp=yes").startsWith("udp: \"yes\" (expected: bypass, "), message("udp=yes"));
        assertEquals("port: given twice in the agent arguments (expected: once)", message("port=1,port=2"));
        assertTrue(message("host=0.0.0.0").startsWith("host: \"0.0.0.0\" (expected: the SocksPort's own address"));
        assertTrue(message("host=::").contains("a wildcard address names no one server"), message("host=::"));
        assertTrue(message("host=1.2.3").startsWith("host: \"1.2.3\" (expected: an IP address literal or localhost"));
        assertTrue(message("config=/nonexistent/streamiso.conf").startsWith(
                "config: \"/nonexistent/streamiso.conf\" (expected: a readable file"));
        assertTrue(message("user=x").startsWith("user: \"x\" is not an argument of streamiso (expected one of: port"));
    }

    @Test
    void readsExecAndRefusesAnyOtherValue() {
        assertEquals(ChildProcesses.Exec.INHERIT, AgentArguments.parse("").exec());
        for (ChildProcesses.Exec e : ChildProcesses.Exec.values()) {
            assertEquals(e, AgentArguments.parse("exec=" + e.word()).exec());
        }
        assertEquals("exec: \"never\" (expected: inherit, a child java gets this agent and any other program runs "
                + "under torsocks; torsocks, every child under torsocks; refuse, no child process; or allow, children "
                + "start outside Tor, each start logged as a leak)", message("exec=never"));
    }

    @Test
    void passesAChildJvmTheKeysGivenWithTheConfigFileMergedAndPathsMadeAbsolute(@TempDir Path dir) throws Exception {
        assertEquals("", AgentArguments.parse("").childArguments(), "defaults stay the child's own, app= included");
        assertEquals("port=9159,isolate=thread+dest-host,exec=inherit",
                AgentArguments.parse("port=9159, isolate=thread+dest-host,exec=inherit").childArguments());
        Path secret = dir.resolve("secret");
        Files.write(secret, new byte[32]);
        Path relative = Path.of("").toAbsolutePath().relativize(secret);
        Path config = dir.resolve("streamiso.conf");
        Files.writeString(config, "log=info\nlink-jvms=" + relative + "\nport=1\n");
        String child = AgentArguments.parse("port=9189,app=shop,config=" + config).childArguments();
        String[] keys = child.split(",");
        assertEquals(4, keys.length, child);
        assertEquals("log=info", keys[0]);
        assertTrue(keys[1].startsWith("link-jvms=/"), child);
        assertTrue(Files.isSameFile(secret, Path.of(keys[1].substring("link-jvms=".length()))), child);
        assertEquals("port=9189", keys[2], "the command line wins");
        assertEquals("app=shop", keys[3]);
        Path comma = Files.createDirectories(dir.resolve("a,b")).resolve("secret");
        Files.write(comma, new byte[32]);
        Files.writeString(config, "link-jvms=" + comma + "\n");
        assertEquals(null, AgentArguments.parse("config=" + config).childArguments(), "a comma cannot be passed on");
    }

    private static String message(String arguments) {
        return assertThrows(IllegalArgumentException.class, () -> AgentArguments.parse(arguments)).getMessage();
    }
}
