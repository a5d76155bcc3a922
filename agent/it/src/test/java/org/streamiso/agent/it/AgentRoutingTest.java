package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.testing.RecordingSocksServer;

/**
 * Every TCP path of the JDK, in an unmodified application under the agent, reaches a web server through
 * a SOCKS5 server that knows the name; the name is sent as a DOMAINNAME, and no SOCKS reply byte reaches
 * the application (its HTTP response starts clean).
 */
class AgentRoutingTest {
    /** A name that exists nowhere but in the SOCKS server: a local lookup cannot succeed. */
    static final String SUFFIX = RecordingSocksServer.SUFFIX;

    static TestWebServer web;
    static RecordingSocksServer socks;

    @BeforeAll
    static void start() throws Exception {
        web = new TestWebServer();
        socks = RecordingSocksServer.relaying(request -> new InetSocketAddress("127.0.0.1", web.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        socks.close();
        web.close();
    }

    static final List<String> PATHS = Clients.PATHS;

    @ParameterizedTest(name = "{0}")
    @FieldSource("PATHS")
    void routesByNameThroughTheSocksPort(String path) throws Exception {
        assumeTrue(!path.startsWith("virtual-thread") || ForkedJvm.feature() >= 21, "virtual threads need JDK 21+");
        String host = path + SUFFIX;
        ForkedJvm.Result r = ForkedJvm.run("port=" + socks.port(), List.of(), Clients.class, path, host, "80");

        assertTrue(r.stdout().startsWith("OK HTTP") && r.stdout().contains(TestWebServer.GREETING + ": /" + path),
                r.toString());
        List<Socks5CommandRequest> asked = socks.requests(Socks5CommandType.CONNECT).stream()
                .filter(q -> q.dstAddr().equals(host)).collect(Collectors.toList());
        assertEquals(1, asked.size(), "one CONNECT for " + host + " in " + socks.requests());
        assertEquals(Socks5AddressType.DOMAIN, asked.get(0).dstAddrType());
        assertEquals(80, asked.get(0).dstPort());
    }

    @Test
    void routesTheJdk17LegacySocketImplementation() throws Exception {
        assumeTrue(ForkedJvm.feature() == 17, "jdk.net.usePlainSocketImpl exists only in JDK 17");
        String host = "legacy" + SUFFIX;
        ForkedJvm.Result r = ForkedJvm.run("port=" + socks.port(), List.of("-Djdk.net.usePlainSocketImpl=true"),
                Clients.class, "socket", host, "80");
        assertTrue(r.stdout().startsWith("OK HTTP"), r.toString());
        assertTrue(socks.requests().stream().anyMatch(q -> q.dstAddr().equals(host)), socks.requests().toString());
    }

    @Test
    void sendsAnAddressLiteralAsAnAddressWhenLoopbackIsNotBypassed() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run("port=" + socks.port() + ",bypass=none", List.of(), Clients.class,
                "socket", "127.0.0.1", Integer.toString(web.port()));
        assertTrue(r.stdout().startsWith("OK HTTP"), r.toString());
        assertTrue(socks.requests().stream().anyMatch(q -> q.dstAddrType().equals(Socks5AddressType.IPV4)
                && q.dstAddr().equals("127.0.0.1") && q.dstPort() == web.port()), socks.requests().toString());
    }

    @Test
    void connectsBypassedLoopbackDirectly() throws Exception {
        int before = socks.requests().size();
        ForkedJvm.Result r = ForkedJvm.run("port=" + socks.port(), List.of(), Clients.class,
                "socket", "127.0.0.1", Integer.toString(web.port()));
        assertTrue(r.stdout().startsWith("OK HTTP"), r.toString());
        assertEquals(before, socks.requests().size(), "a bypassed destination must not reach the SOCKS server");
    }
}
