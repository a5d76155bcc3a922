package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad agent arguments stop the JVM before main, with a message naming the argument and what is accepted. */
class AgentArgumentsForkedTest {

    /** A main that must never run when the arguments are bad. */
    public static final class Hello {
        public static void main(String[] args) {
            System.out.println("main ran");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "port=90500|port: \"90500\" (expected: 1-65535)",
        "port=x|port: \"x\" (expected: 1-65535)",
        "host=tor.example|host: \"tor.example\" (expected: an IP address literal or localhost",
        "log=verbose|log: \"verbose\" (expected: warn, info or debug)",
        "bypass=10.0.0.0/33|bypass: \"10.0.0.0/33\" (expected: none, or CIDR blocks",
        "frobnicate=1|frobnicate: \"1\" is not an argument of streamiso (expected one of: port, host, bypass, dns, dns-server, udp, isolate, app, link-jvms, timeout, log",
        "isolate=thread+site|isolate: \"thread+site\" (expected: app, thread, dest-host, dest-port, first-party or connection, joined with '+'",
        "app=my app|app: \"my app\" (expected: 1-64 characters of A-Z a-z 0-9 . _ -)",
        "link-jvms=/nonexistent/secret|link-jvms: \"/nonexistent/secret\" (expected: a readable file of at least 16 secret bytes",
        "dns-server=maybe|dns-server: \"maybe\" (expected: on or off)",
        "dns=local|dns: \"local\" (expected: remote, Tor resolves each name; or mapped",
        "udp=all|udp: \"all\" (expected: bypass, only to bypassed destinations; loopback",
        "bypass=127.0.0.0/8+*.onion|bypass: \"127.0.0.0/8+*.onion\" (expected: none, or CIDR blocks",
        "safe-logging=yes|safe-logging: \"yes\" (expected: 1",
        "port|\"port\": not key=value",
        "timeout=0|timeout: \"0\" (expected: 1-600 seconds",
        "host=0.0.0.0|host: \"0.0.0.0\" (expected: the SocksPort's own address, e.g. 127.0.0.1; a wildcard address",
        "host=::|host: \"::\" (expected: the SocksPort's own address, e.g. 127.0.0.1; a wildcard address",
        "host=[::]|host: \"[::]\" (expected: the SocksPort's own address, e.g. 127.0.0.1; a wildcard address",
        "host=224.0.0.1|host: \"224.0.0.1\" (expected: the SocksPort's own address, e.g. 127.0.0.1; a multicast",
    })
    void stopsTheJvmBeforeMain(String arguments, String message) throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(arguments, List.of(), Hello.class);
        assertEquals(2, r.exitCode(), r.toString());
        assertFalse(r.stdout().contains("main ran"), r.toString());
        assertTrue(r.stderr().contains("streamiso: " + message), r.toString());
        assertTrue(r.stderr().contains("the JVM is stopped so that nothing connects outside Tor"), r.toString());
    }

    @Test
    void readsTheSameKeysFromAConfigFile(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("streamiso.conf");
        Files.writeString(config, "# the per-application SocksPort\nport=9159\n\nlog=info\n");
        ForkedJvm.Result r = ForkedJvm.run("config=" + config, List.of(), Hello.class);
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().contains("main ran"), r.toString());
        assertTrue(r.stderr().contains("SocksPort 127.0.0.1:9159"), r.toString());

        Files.writeString(config, "port=0\n");
        ForkedJvm.Result bad = ForkedJvm.run("config=" + config, List.of(), Hello.class);
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("port: \"0\" (expected: 1-65535)"), bad.toString());
    }

    @Test
    void logInfoNamesEverySettingInForceDefaultsIncluded(@TempDir Path dir) throws Exception {
        String defaults = "in force: port=9050, host=127.0.0.1, bypass=127.0.0.0/8+::1+localhost, dns=remote, "
                + "dns-server=on, udp=bypass, timeout=120, isolate=app, app=" + Hello.class.getName().replace('$', '-')
                + ", log=info, safe-logging=1";
        ForkedJvm.Result r = ForkedJvm.run("log=info", List.of(), Hello.class);
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("through SocksPort 127.0.0.1:9050; " + defaults), r.toString());
        Path config = dir.resolve("empty.conf");
        Files.writeString(config, "# nothing but log=info on the command line\n");
        ForkedJvm.Result fromFile = ForkedJvm.run("config=" + config + ",log=info", List.of(), Hello.class);
        assertTrue(fromFile.stderr().contains(defaults), fromFile.toString());
    }

    @Test
    void startsQuietlyWithDefaults() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run("", List.of(), Hello.class);
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("main ran\n", r.stdout());
        assertEquals("", r.stderr(), "the default log level prints nothing on a clean start");
    }
}
