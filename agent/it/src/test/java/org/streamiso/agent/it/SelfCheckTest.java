package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.streamiso.testing.Canary;

/**
 * {@code java -jar streamiso.jar check} against set-ups that need no Tor: nothing on the SocksPort, an HTTP server
 * on it, arguments that leak (a bypass that covers public addresses or names), and bad usage. The leak probes run in
 * a real child JVM under the agent each time.
 */
class SelfCheckTest {

    @Test
    void noCommandOrAnUnknownOnePrintsUsageAndExits2() throws Exception {
        ForkedJvm.Result none = SelfCheckCommand.run();
        assertEquals(2, none.exitCode(), none.toString());
        assertTrue(none.stderr().startsWith("usage: java -jar streamiso.jar check"), none.toString());
        ForkedJvm.Result unknown = SelfCheckCommand.run("chek");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.stderr().startsWith("streamiso: command: \"chek\" (expected: check or attach)"),
                unknown.toString());
        ForkedJvm.Result badArgument = SelfCheckCommand.run("check", "port=90500");
        assertEquals(2, badArgument.exitCode(), badArgument.toString());
        assertTrue(badArgument.stderr().startsWith("streamiso check: port: \"90500\" (expected: 1-65535)"),
                badArgument.toString());
    }

    @Test
    void aSocksPortThatIsDownFailsAndTheLeakProbesStillPass() throws Exception {
        int port = Canary.deadPort();
        ForkedJvm.Result r = SelfCheckCommand.run("check", "port=" + port);
        assertEquals(1, r.exitCode(), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "FAILED   Tor SocksPort 127.0.0.1:" + port + " refused the connection",
                "nothing was sent to the destination. Is tor running with SocksPort " + port + "?"), r.toString());
        // Whatever Tor does, the JVM under these arguments leaks nothing.
        assertNotNull(SelfCheckCommand.line(r, "ok       a direct connection", "was refused before the system call."),
                r.toString());
        assertNotNull(SelfCheckCommand.line(r, "ok       a lookup of streamiso-check.invalid",
                "never reached the machine's resolver (dns=remote"), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "ok       a UDP datagram", "was refused before it left."), r.toString());
        assertTrue(r.stdout().endsWith("streamiso check: 3 ok, 1 FAILED; fix the first FAILED line and run the check "
                + "again.\n"), r.toString());
    }

    @Test
    void anHttpServerOnTheSocksPortIsRecognised() throws Exception {
        try (TestWebServer web = new TestWebServer()) {
            ForkedJvm.Result r = SelfCheckCommand.run("check", "port=" + web.port() + ",dns=mapped");
            assertEquals(1, r.exitCode(), r.toString());
            // The JDK's HTTP server waits for a line end that SOCKS bytes never hold; the HTTP request tells it.
            assertNotNull(SelfCheckCommand.line(r, "FAILED   Tor SocksPort 127.0.0.1:" + web.port() + " did not answer "
                    + "the SOCKS handshake in time",
                    "It answers HTTP with \"HTTP/1.1 200 OK\": an HTTP server listens there, not Tor's SocksPort"),
                    r.toString());
            assertNotNull(SelfCheckCommand.line(r, "ok       a lookup of streamiso-check.invalid",
                    "(dns=mapped: a placeholder"), r.toString());
        }
    }

    @Test
    void aBypassThatCoversPublicAddressesFailsWithoutProbing() throws Exception {
        ForkedJvm.Result r = SelfCheckCommand.run("check", "port=1,bypass=0.0.0.0/0");
        assertEquals(1, r.exitCode(), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "FAILED   bypass=", "covers the TEST-NET addresses 192.0.2.1, "
                + "198.51.100.1, 203.0.113.1, so it lets connections and datagrams to public addresses go direct"),
                r.toString());
        assertNull(SelfCheckCommand.line(r, "ok       a direct connection", ""), "the probes did not run");
    }

    @Test
    void aBypassedNameIsCaughtAnsweredByTheMachinesResolver() throws Exception {
        // The child's JDK resolver reads a hosts file that answers the name with a canary: reading it sends nothing.
        ForkedJvm.Result r = SelfCheckCommand.run("check", "port=1,bypass=127.0.0.0/8+*.invalid");
        assertEquals(1, r.exitCode(), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "FAILED   a lookup of streamiso-check.invalid in a JVM under these "
                + "arguments was answered by the machine's resolver", "covers the name, so such lookups leave the "
                + "machine."), r.toString());
        assertNotNull(SelfCheckCommand.line(r, "ok       a UDP datagram", "refused"), r.toString());
    }
}
