package org.streamiso.agent.it;

import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.streamiso.agent.it.clients.ApacheAsyncApp;
import org.streamiso.agent.it.clients.ApacheClassicApp;
import org.streamiso.agent.it.clients.DnsjavaApp;
import org.streamiso.agent.it.clients.GrpcApp;
import org.streamiso.agent.it.clients.JdbcApp;
import org.streamiso.agent.it.clients.JettyApp;
import org.streamiso.agent.it.clients.NettyDnsApp;
import org.streamiso.agent.it.clients.OkHttpApp;
import org.streamiso.agent.it.clients.ReactorNettyApp;
import org.streamiso.testnet.TorNetworks;

/**
 * Real client libraries under the agent, each against a real server on loopback that it reaches through the
 * private Tor network by a name that exists only inside Tor, in {@link TorLeakNamespace}'s loopback-only namespace
 * under strace: every connect goes to the SocksPort, no datagram leaves, no resolver file is read, and Tor's
 * ControlPort saw the stream.
 *
 * <p>Adding a client: a main class in {@code clients/} that prints {@code OK ...} through {@code ClientApp}, its
 * library as a test dependency in this module's pom, and one entry in {@link #CLIENTS}. A client with a DNS client
 * of its own, answered by the agent's in-JVM DNS server, also names what its trace may show, for example
 *
 * <pre>{@code
 * TracedClient.of("dnsjava-udp", DnsjavaApp.class, "udp", "10.53.0.1", TorNetworks.WEB_NAME)
 *         .agentArguments("log=debug").expect("A=127.0.0.1")
 *         .allowLoggedLoopbackPorts("UDP port (\\d+), TCP port (\\d+)")           // the agent's responders
 *         .allowLoggedLoopbackPorts("answered a query from 127\\.0\\.0\\.1:(\\d+)") // the sockets its answers go to
 *         .allowFile("/etc/resolv.conf")                                          // read for the search list
 * }</pre>
 */
class RealClientsIT {
    @RegisterExtension
    static final TorLeakNamespace NAMESPACE = new TorLeakNamespace(NamespaceServer.web(), NamespaceServer.grpc(),
            NamespaceServer.postgres(), NamespaceServer.mariadb());

    private static final String WEB = "http://" + TorNetworks.WEB_NAME + ":8080/";
    private static final String GREETING = "OK 200 " + TestWebServer.GREETING + ": /";
    private static final String DB = "//" + TorNetworks.DB_NAME + ":";
    /** The nameserver of the clients with a DNS client of their own: no such address exists in the namespace. */
    private static final String NAMESERVER = "10.53.0.1";

    static final List<TracedClient> CLIENTS = List.of(
            TracedClient.of("okhttp", OkHttpApp.class, WEB + "okhttp")
                    .expect(GREETING + "okhttp").reaches(NamespaceServer.WEB),
            TracedClient.of("apache-httpclient5-classic", ApacheClassicApp.class, WEB + "apache-classic")
                    .expect(GREETING + "apache-classic").reaches(NamespaceServer.WEB),
            TracedClient.of("apache-httpclient5-async", ApacheAsyncApp.class, WEB + "apache-async")
                    .expect(GREETING + "apache-async").reaches(NamespaceServer.WEB),
            TracedClient.of("jetty-httpclient", JettyApp.class, WEB + "jetty")
                    .expect(GREETING + "jetty").reaches(NamespaceServer.WEB),
            dnsClient(TracedClient.of("reactor-netty", ReactorNettyApp.class, WEB + "reactor"))
                    .expect(GREETING + "reactor").reaches(NamespaceServer.WEB),
            dnsClient(TracedClient.of("netty-dns-name-resolver", NettyDnsApp.class, WEB + "netty"))
                    .expect("OK HTTP/1.1 200 OK resolved=127.0.0.1").reaches(NamespaceServer.WEB),
            dnsClient(TracedClient.of("dnsjava-udp", DnsjavaApp.class, "udp", TorNetworks.WEB_NAME))
                    .expect("OK A=127.0.0.1 via /" + NAMESERVER + ":53"),
            dnsClient(TracedClient.of("dnsjava-tcp", DnsjavaApp.class, "tcp", TorNetworks.WEB_NAME))
                    .expect("OK A=127.0.0.1 via /" + NAMESERVER + ":53"),
            TracedClient.of("grpc-netty-shaded", GrpcApp.class, "dns:///" + TorNetworks.RPC_NAME + ":9090")
                    .expect("OK echo: hello over gRPC").reaches(NamespaceServer.GRPC),
            TracedClient.of("postgresql-jdbc", JdbcApp.class, "jdbc:postgresql:" + DB + "5432/postgres",
                    NamespaceServer.DB_USER, NamespaceServer.DB_PASSWORD)
                    .expect("OK PostgreSQL ").expect(" | " + JdbcApp.ROW).reaches(NamespaceServer.POSTGRES),
            TracedClient.of("mariadb-connector-j", JdbcApp.class, "jdbc:mariadb:" + DB + "3306/"
                    + NamespaceServer.DB_DATABASE, NamespaceServer.DB_USER, NamespaceServer.DB_PASSWORD)
                    .expect("-MariaDB").expect(" | " + JdbcApp.ROW).reaches(NamespaceServer.MARIADB));

    /**
     * A client with a DNS client of its own: its nameserver (from a resolv.conf of its own) does not exist in the
     * namespace, and the agent's in-JVM DNS server answers its queries through Tor. Allowed besides the SocksPort:
     * the loopback ports of the agent's responders and of the application's sockets its answers go to, which the
     * agent logs (responders at {@code log=info}, answers at {@code log=debug}), and reading resolv.conf and the
     * hosts file, where the client's own resolver finds its nameserver and looks a name up before it asks (Netty's
     * {@code HostsFileEntriesResolver}, dnsjava's {@code HostsFileParser}; the file does not name the Tor-only
     * names). Any datagram to the nameserver itself, or anywhere else, fails the run.
     */
    private static TracedClient dnsClient(TracedClient client) {
        return client.agentArguments("log=debug").resolvConf("nameserver " + NAMESERVER + "\n")
                .allowFile("/etc/resolv.conf").allowFile("/etc/hosts")
                .allowLoggedLoopbackPorts("UDP port (\\d+), TCP port (\\d+)")
                .allowLoggedLoopbackPorts("answered a query from 127\\.0\\.0\\.1:(\\d+)");
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("CLIENTS")
    void reachesItsServerByATorOnlyNameAndNothingElseLeaves(TracedClient client) throws Exception {
        NAMESPACE.assertOnlyThroughTor(client);
    }
}
