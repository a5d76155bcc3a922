package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamiso.control.StreamEvent;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworks;

/**
 * In-process isolation on the private Tor network, judged by the circuit ids of the ControlPort's STREAM events:
 * for every {@code isolate} mode, streams of different keys never share a circuit and streams of one key share one;
 * first parties follow the Public Suffix List on names only Tor knows; an API scope is a key, and renewing it moves
 * its next stream to a new circuit while another scope keeps its own; two JVMs never share a circuit. Each stream goes
 * to a web server of its own, so its STREAM event is found by the target port. Every test runs twice: the agent
 * straight to Tor's SocksPort, and through proxy-core, which keys clients by their isolation strings.
 */
class AgentIsolationIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static PrivateTorNetwork tor;
    static StreamEvents events;
    static final List<TestWebServer> servers = new ArrayList<>();

    static ProxyCoreProcess proxyCore;
    static int proxyCorePort;

    @BeforeAll
    static void start() throws Exception {
        tor = TorNetworks.shared();
        events = StreamEvents.open(tor);
        proxyCore = new ProxyCoreProcess("--tor-socks", "127.0.0.1:" + tor.socksPorts().get(3).getPort());
        proxyCorePort = proxyCore.port();
    }

    @AfterAll
    static void stop() throws Exception {
        for (TestWebServer s : servers) {
            s.close();
        }
        if (proxyCore != null) {
            proxyCore.close();
        }
        if (events != null) {
            events.close();
        }
    }

    /** Where the agent points: Tor's SocksPort, or proxy-core in front of another of Tor's SocksPorts. */
    private static String via;

    private static int socksPort() {
        return via.equals("proxy-core") ? proxyCorePort : tor.socksPorts().get(0).getPort();
    }

    /** A new web server's port: one per stream, so that its STREAM event names it. */
    private static int port() throws Exception {
        TestWebServer s = new TestWebServer();
        servers.add(s);
        return s.port();
    }

    /** Runs the steps under the agent, straight to Tor's SocksPort; each must succeed. */
    private static void run(String agentArgs, String... steps) throws Exception {
        ForkedJvm.Result r = ForkedJvm.run("port=" + socksPort() + "," + agentArgs, List.of(), IsolationClients.class,
                steps);
        long ok = r.stdout().lines().filter(l -> l.contains(": OK ")).count();
        assertEquals(steps.length, ok, r.toString());
    }

    private static String fetch(String thread, String scope, String host, int port) {
        return "fetch:" + thread + ":" + scope + ":" + host + ":" + port;
    }

    /** The circuit that carried the stream to {@code port}. */
    private static String circuit(int port) throws Exception {
        String c = events.awaitSucceeded(port, WAIT).circuitId();
        assertTrue(!c.isEmpty() && !c.equals("0"), c);
        return c;
    }

    /** The circuits of the first {@code n} streams to {@code port}. */
    private static List<String> circuits(int port, int n) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<String> c = events.events().stream()
                    .filter(e -> StreamEvent.SUCCEEDED.equals(e.status()) && e.targetPort() == port)
                    .map(StreamEvent::circuitId).collect(Collectors.toList());
            if (c.size() >= n) {
                return c.subList(0, n);
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(n + " streams to port " + port + " expected, saw " + c);
            }
            Thread.sleep(50);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tor", "proxy-core"})
    void appIsOneCircuitPerJvmAndTwoJvmsNeverShareOneWhateverTheirNames(String through) throws Exception {
        via = through;
        int p1 = port();
        int p2 = port();
        int p3 = port();
        run("isolate=app,app=same", fetch("a", "-", TorNetworks.WEB_NAME, p1), fetch("b", "-", TorNetworks.API_NAME, p2));
        run("isolate=app,app=same", fetch("a", "-", TorNetworks.WEB_NAME, p3));
        int p4 = port();
        run("isolate=app,app=other", fetch("a", "-", TorNetworks.WEB_NAME, p4));
        assertEquals(circuit(p1), circuit(p2), "one key for the whole JVM: one circuit");
        assertNotEquals(circuit(p1), circuit(p3), "another JVM with the same app name: another circuit");
        assertNotEquals(circuit(p1), circuit(p4), "a JVM with another app name: another circuit");
        assertNotEquals(circuit(p3), circuit(p4));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tor", "proxy-core"})
    void threadKeysEachThreadApart(String through) throws Exception {
        via = through;
        int p1 = port();
        int p2 = port();
        int p3 = port();
        run("isolate=thread", fetch("a", "-", TorNetworks.WEB_NAME, p1), fetch("b", "-", TorNetworks.WEB_NAME, p2),
                fetch("a", "-", TorNetworks.WEB_NAME, p3));
        assertEquals(circuit(p1), circuit(p3));
        assertNotEquals(circuit(p1), circuit(p2));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tor", "proxy-core"})
    void destHostAndDestPortKeyTheDestinationApart(String through) throws Exception {
        via = through;
        int p1 = port();
        int p2 = port();
        int p3 = port();
        run("isolate=dest-host", fetch("a", "-", TorNetworks.WEB_NAME, p1), fetch("a", "-", TorNetworks.API_NAME, p2),
                fetch("b", "-", TorNetworks.WEB_NAME, p3));
        assertEquals(circuit(p1), circuit(p3), "one host, one key, whatever the port and thread");
        assertNotEquals(circuit(p1), circuit(p2));
        int q1 = port();
        int q2 = port();
        run("isolate=dest-port", fetch("a", "-", TorNetworks.WEB_NAME, q1), fetch("a", "-", TorNetworks.API_NAME, q1),
                fetch("a", "-", TorNetworks.WEB_NAME, q2));
        List<String> sameport = circuits(q1, 2);
        assertEquals(sameport.get(0), sameport.get(1), "one port, one key, whatever the host");
        assertNotEquals(sameport.get(0), circuit(q2));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tor", "proxy-core"})
    void firstPartyFollowsThePublicSuffixListWhereALabelCountWouldNot(String through) throws Exception {
        via = through;
        List<String> names = TorNetworks.FIRST_PARTY_NAMES;
        int[] p = {port(), port(), port(), port(), port()};
        String[] steps = new String[names.size()];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = fetch("a", "-", names.get(i), p[i]);
        }
        run("isolate=first-party", steps);
        assertNotEquals(circuit(p[0]), circuit(p[1]), "alice.github.io and bob.github.io: two parties (two labels "
                + "would say one, github.io)");
        assertEquals(circuit(p[2]), circuit(p[3]), "a.example.co.uk and b.example.co.uk: one party");
        assertNotEquals(circuit(p[2]), circuit(p[4]), "example.co.uk and other.co.uk: two parties (two labels would "
                + "say one, co.uk)");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tor", "proxy-core"})
    void connectionGivesEveryConnectionItsOwnCircuit(String through) throws Exception {
        via = through;
        int p1 = port();
        int p2 = port();
        run("isolate=connection", fetch("a", "-", TorNetworks.WEB_NAME, p1), fetch("a", "-", TorNetworks.WEB_NAME, p2));
        assertNotEquals(circuit(p1), circuit(p2));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tor", "proxy-core"})
    void apiScopesAreKeysAndRenewingOneMovesOnlyIt(String through) throws Exception {
        via = through;
        int[] p = {port(), port(), port(), port(), port(), port()};
        run("isolate=app", fetch("a", "alice", TorNetworks.WEB_NAME, p[0]), fetch("a", "bob", TorNetworks.WEB_NAME, p[1]),
                fetch("b", "alice", TorNetworks.API_NAME, p[2]), "child:alice:" + TorNetworks.WEB_NAME + ":" + p[3],
                "renew:alice", fetch("a", "alice", TorNetworks.WEB_NAME, p[4]),
                fetch("a", "bob", TorNetworks.WEB_NAME, p[5]));
        assertEquals(circuit(p[0]), circuit(p[2]), "alice's streams share alice's circuit");
        assertEquals(circuit(p[0]), circuit(p[3]), "and so does a thread started in alice's scope");
        assertNotEquals(circuit(p[0]), circuit(p[1]), "alice and bob never share one");
        assertNotEquals(circuit(p[0]), circuit(p[4]), "alice renewed: a new circuit");
        assertEquals(circuit(p[1]), circuit(p[5]), "bob keeps his");
    }
}
