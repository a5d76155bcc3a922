package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.streamiso.control.StreamEvent;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworks;

/**
 * A figure, not a test of the build (run by {@code bench/isolation-circuits.sh}): how many circuits 100 connections
 * use in each {@code isolate} mode on the private Tor network. The workload: 4 threads, 8 host names (5 first
 * parties), 2 ports, one JVM per mode; circuits are the distinct circuit ids of the 100 streams' SUCCEEDED events.
 */
class IsolationCircuitsBench {
    static final int CONNECTIONS = 100;

    @Test
    void circuitsPer100Connections() throws Exception {
        PrivateTorNetwork tor = TorNetworks.shared();
        List<String> hosts = new ArrayList<>(List.of(TorNetworks.WEB_NAME, TorNetworks.API_NAME,
                TorNetworks.CANARY_NAME));
        hosts.addAll(TorNetworks.FIRST_PARTY_NAMES);
        StringBuilder table = new StringBuilder("| isolate | circuits per " + CONNECTIONS + " connections |\n|---|---|\n");
        try (StreamEvents events = StreamEvents.open(tor); TestWebServer a = new TestWebServer();
                TestWebServer b = new TestWebServer()) {
            int[] ports = {a.port(), b.port()};
            for (String mode : List.of("app", "thread", "dest-host", "dest-port", "first-party", "connection")) {
                String[] steps = new String[CONNECTIONS];
                for (int i = 0; i < CONNECTIONS; i++) {
                    steps[i] = "fetch:t" + (i % 4) + ":-:" + hosts.get((i / 2) % hosts.size()) + ":" + ports[i % 2];
                }
                int before = events.events().size();
                ForkedJvm.Result r = ForkedJvm.run("port=" + tor.socksPorts().get(0).getPort() + ",isolate=" + mode,
                        List.of(), IsolationClients.class, steps);
                assertEquals(CONNECTIONS, r.stdout().lines().filter(l -> l.contains(": OK ")).count(), r.toString());
                Set<String> circuits = new TreeSet<>();
                long streams = 0;
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (streams < CONNECTIONS && System.nanoTime() < deadline) {
                    circuits.clear();
                    streams = 0;
                    List<StreamEvent> all = events.events();
                    for (StreamEvent e : all.subList(before, all.size())) {
                        if (StreamEvent.SUCCEEDED.equals(e.status())
                                && (e.targetPort() == ports[0] || e.targetPort() == ports[1])) {
                            circuits.add(e.circuitId());
                            streams++;
                        }
                    }
                    Thread.sleep(100);
                }
                assertEquals(CONNECTIONS, streams, "every stream's SUCCEEDED event");
                table.append("| `").append(mode).append("` | ").append(circuits.size()).append(" |\n");
            }
        }
        System.out.println(table);
    }
}
