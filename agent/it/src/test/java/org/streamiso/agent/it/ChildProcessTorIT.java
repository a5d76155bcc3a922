package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.streamiso.testnet.TorNetworks;

/**
 * Child processes on the private Tor network (issue 10, item 2), in {@link TorLeakNamespace}'s loopback-only
 * namespace under {@code strace -f}, which follows the children: an application under the agent starts a child
 * {@code java} (which gets the agent, {@code exec=inherit}) and a child {@code curl} (which runs under torsocks),
 * and each reaches a name only Tor knows through Tor; with torsocks missing from the application's {@code PATH}, the
 * child is refused and nothing connects. torsocks refuses loopback destinations, so curl's server is on
 * {@value #OUTSIDE_ADDRESS}, an address on the namespace's {@code lo} that the private network maps
 * {@link TorNetworks#OUTSIDE_NAME} to and exits to. Every connect of every process goes to the SocksPort, no datagram
 * leaves, no resolver file is read.
 */
class ChildProcessTorIT {
    static final String OUTSIDE_ADDRESS = "10.99.0.1";

    @RegisterExtension
    static final TorLeakNamespace NAMESPACE = new TorLeakNamespace(NamespaceServer.web(), NamespaceServer.outsideWeb())
            .namespaceAddress(OUTSIDE_ADDRESS);

    @Test
    void aChildJvmGetsTheAgentAndReachesATorOnlyNameThroughTor() throws Exception {
        NAMESPACE.assertOnlyThroughTor(TracedClient.of("child-jvm", ChildClients.class, "start", ForkedJvm.java(), "-cp",
                        ForkedJvm.CLASSES, ChildClients.class.getName(), "fetch",
                        "http://" + TorNetworks.WEB_NAME + ":8080/child-jvm")
                .expect("start: OK exit 0").expect("fetch: OK HTTP 200").reaches(NamespaceServer.WEB).children(1));
    }

    @Test
    void aChildCurlRunsUnderTorsocksAndReachesATorOnlyNameThroughTor() throws Exception {
        requireOnPath("torsocks", "curl");
        NAMESPACE.assertOnlyThroughTor(TracedClient.of("child-curl", ChildClients.class, "start", "curl", "-sS",
                        "--max-time", "60", "http://" + TorNetworks.OUTSIDE_NAME + ":8081/curl")
                .expect("start: OK exit 0").expect(TestWebServer.GREETING + ": /curl")
                .reaches(NamespaceServer.OUTSIDE_WEB).children(1));
    }

    @Test
    void withoutTorsocksTheChildIsRefusedAndNothingConnects() throws Exception {
        requireOnPath("curl");
        TorLeakNamespace.TracedRun r = NAMESPACE.run(TracedClient.of("child-no-torsocks", ChildClients.class, "start",
                "/usr/bin/curl", "-sS", "http://" + TorNetworks.OUTSIDE_NAME + ":8081/refused")
                .environment("PATH", onlyStrace().toString()));
        assertTrue(r.stdout().contains("start: EXC java.io.IOException: Cannot run program \"/usr/bin/curl\": "
                + "streamiso refused to start curl: exec=inherit runs every program but java under torsocks, and no "
                + "torsocks was found on this JVM's PATH; nothing was started."), r.stdout() + r.stderr());
        assertTrue(r.violations().isEmpty(), "nothing but the SocksPort: " + r.violations());
        assertTrue(!r.trace().contains("sa_family=AF_INET"), "no process made a network connection at all (the child "
                + "never ran):\n" + r.trace());
    }

    /** A PATH folder with strace alone (the fixture runs strace by name): the application finds no torsocks. */
    private static java.nio.file.Path onlyStrace() throws java.io.IOException {
        java.nio.file.Path dir = NAMESPACE.dir().resolve("path-without-torsocks");
        if (!java.nio.file.Files.exists(dir)) {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Path strace = List.of(System.getenv("PATH").split(":")).stream()
                    .map(d -> java.nio.file.Path.of(d, "strace")).filter(java.nio.file.Files::isExecutable).findFirst()
                    .orElseThrow();
            java.nio.file.Files.createSymbolicLink(dir.resolve("strace"), strace);
        }
        return dir;
    }

    private static void requireOnPath(String... programs) {
        for (String p : programs) {
            boolean found = List.of(System.getenv("PATH").split(":")).stream()
                    .anyMatch(d -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, p)));
            assertTrue(found, p + " is not installed (expected: apt-get install " + p + "; .ci/run installs it)");
        }
    }
}
