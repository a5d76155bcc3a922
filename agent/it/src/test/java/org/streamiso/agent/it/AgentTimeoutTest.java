package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamiso.testing.RecordingSocksServer;

/**
 * A SocksPort that accepts and never answers: every connect path, blocking ones without a timeout of the
 * application's included, and every lookup fail after the {@code timeout} argument with a message that names the
 * SocksPort; an interrupted connect says so. Nothing waits forever.
 */
class AgentTimeoutTest {
    static final String NAME = "silent" + AgentRoutingTest.SUFFIX;
    static RecordingSocksServer silent;

    @BeforeAll
    static void start() throws IOException {
        silent = RecordingSocksServer.start().neverAnswering();
    }

    @AfterAll
    static void stop() throws IOException {
        silent.close();
    }

    @ParameterizedTest(name = "dns={0}")
    @ValueSource(strings = {"mapped", "remote"})
    void everyPathGivesUpAfterTheTimeoutNamingTheSocksPort(String dns) throws Exception {
        int port = silent.port();
        ForkedJvm.Result r = ForkedJvm.run("port=" + port + ",timeout=2,dns=" + dns, List.of(), HardeningClients.class,
                "silent", NAME, "80");
        assertEquals(0, r.exitCode(), r.toString());
        for (String path : HardeningClients.SILENT_PATHS) {
            if (path.equals("lookup") && dns.equals("mapped")) {
                assertTrue(r.stdout().contains("lookup: OK " + NAME + "/240."), r.toString());
                continue;
            }
            String expected = "Tor SocksPort 127.0.0.1:" + port + " did not answer the SOCKS handshake in time";
            assertTrue(line(r.stdout(), path + ": EXC ").contains(expected), path + ":\n" + r);
            Matcher took = Pattern.compile("\n" + path + " took (\\d+) ms").matcher(r.stdout());
            assertTrue(took.find(), r.toString());
            long ms = Long.parseLong(took.group(1));
            assertTrue(ms >= 1900 && ms < 6000, path + " took " + ms + " ms, expected about 2000:\n" + r);
        }
    }

    @Test
    void anInterruptedConnectSaysSoAndNamesTheSocksPort() throws Exception {
        int port = silent.port();
        ForkedJvm.Result r = ForkedJvm.run("port=" + port + ",dns=mapped", List.of(), HardeningClients.class,
                "interrupt", NAME, "80");
        assertTrue(r.stdout().startsWith("EXC java.io.InterruptedIOException: the thread was interrupted during the "
                + "SOCKS handshake with Tor SocksPort 127.0.0.1:" + port + "; the connection was closed"), r.toString());
        Matcher took = Pattern.compile("took (\\d+) ms").matcher(r.stdout());
        assertTrue(took.find() && Long.parseLong(took.group(1)) < 5000, "the interrupt ends the wait at once:\n" + r);
    }

    private static String line(String out, String prefix) {
        int at = out.indexOf(prefix);
        return at < 0 ? "(no " + prefix + ")" : out.substring(at, out.indexOf('\n', at));
    }
}
