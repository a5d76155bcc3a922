package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The credentials on the wire, read by a recording SOCKS server: every stream and lookup carries the contract's
 * username and an isolation string whose digest is equal exactly where the isolation key is (per mode, per API
 * scope, across a renewal, across JVMs), with no destination or scope name in the clear. Circuits on real Tor:
 * {@link AgentIsolationIT}.
 */
class AgentIsolationTest {
    static final String APP = IsolationClients.class.getName();
    static TestWebServer web;
    static RecordingSocksServer socks;

    @BeforeAll
    static void start() throws Exception {
        web = new TestWebServer();
        socks = RecordingSocksServer.relaying(q -> new InetSocketAddress("127.0.0.1", web.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        socks.close();
        web.close();
    }

    /** Runs the steps under the agent and returns the isolation strings of the requests they made, in order. */
    private static List<IsolationString> run(String agentArgs, String... steps) throws Exception {
        int before = socks.recorded().size();
        ForkedJvm.Result r = ForkedJvm.run("port=" + socks.port() + ",dns=mapped," + agentArgs, List.of(),
                IsolationClients.class, steps);
        assertEquals(steps.length, r.stdout().lines().filter(l -> l.contains(": OK ")).count(), r.toString());
        List<IsolationString> keys = new ArrayList<>();
        for (RecordingSocksServer.Recorded q : socks.recorded().subList(before, socks.recorded().size())) {
            keys.add(check(q.credentials(), q.request().dstAddr()));
        }
        return keys;
    }

    /** The contract: username {@code <torS0X>0}, a v1 isolation string within 255 bytes, no name in the clear. */
    private static IsolationString check(Socks5PasswordAuthRequest auth, String destination) {
        assertNotNull(auth, "every request carries credentials");
        assertEquals("<torS0X>0", auth.username());
        String password = auth.password();
        assertTrue(password.length() <= 255 && !password.isEmpty(), password);
        assertTrue(password.chars().allMatch(c -> c >= 0x21 && c <= 0x7E), "printable ASCII: " + password);
        IsolationString key = IsolationString.parse(password);
        assertNotNull(key, "a v1 isolation string: " + password);
        for (String secret : List.of(destination, "only-the-proxy-knows", "alice", "bob", "github", "example")) {
            assertFalse(password.contains(secret), "no destination or scope name in the clear: " + password);
        }
        return key;
    }

    private static List<String> digests(List<IsolationString> keys) {
        return keys.stream().map(IsolationString::digest).collect(Collectors.toList());
    }

    private static String host(String label) {
        return label + AgentRoutingTest.SUFFIX;
    }

    @Test
    void byDefaultOneKeyForTheWholeJvmNamedAfterItsMainClass() throws Exception {
        List<IsolationString> keys = run("isolate=app", "fetch:a:-:" + host("one") + ":80",
                "fetch:b:-:" + host("two") + ":443");
        assertEquals(2, keys.size());
        assertEquals(IsolationString.appName(APP), keys.get(0).app());
        assertEquals("app", keys.get(0).kind());
        assertEquals(keys.get(0), keys.get(1), "one identity per JVM: the same credentials");
    }

    @Test
    void isolateThreadGivesEachThreadItsOwnKey() throws Exception {
        List<String> d = digests(run("isolate=thread", "fetch:a:-:" + host("x") + ":80", "fetch:b:-:" + host("x")
                + ":80", "fetch:a:-:" + host("y") + ":81"));
        assertEquals(d.get(0), d.get(2));
        assertNotEquals(d.get(0), d.get(1));
    }

    @Test
    void isolateDestHostAndDestPortKeyOnTheDestination() throws Exception {
        List<String> host = digests(run("isolate=dest-host", "fetch:a:-:" + host("x") + ":80", "fetch:a:-:"
                + host("y") + ":80", "fetch:b:-:" + host("X") + ":81"));
        assertEquals(host.get(0), host.get(2), "names are case-insensitive; the port does not count");
        assertNotEquals(host.get(0), host.get(1));
        List<String> port = digests(run("isolate=dest-port", "fetch:a:-:" + host("x") + ":80", "fetch:a:-:"
                + host("y") + ":80", "fetch:a:-:" + host("x") + ":81"));
        assertEquals(port.get(0), port.get(1));
        assertNotEquals(port.get(0), port.get(2));
        List<IsolationString> both = run("isolate=dest-host+dest-port", "fetch:a:-:" + host("x") + ":80");
        assertEquals("dest-host+dest-port", both.get(0).kind());
    }

    @Test
    void isolateFirstPartyFollowsThePublicSuffixListNotALabelCount() throws Exception {
        List<String> d = digests(run("isolate=first-party", "fetch:a:-:alice.github.io:80", "fetch:a:-:bob.github.io:80",
                "fetch:a:-:a.example.co.uk:80", "fetch:a:-:b.example.co.uk:80", "fetch:a:-:www.alice.github.io:443"));
        assertNotEquals(d.get(0), d.get(1), "alice.github.io and bob.github.io are two parties");
        assertEquals(d.get(2), d.get(3), "a.example.co.uk and b.example.co.uk are one party");
        assertEquals(d.get(0), d.get(4));
    }

    @Test
    void isolateConnectionGivesEveryConnectionItsOwnKey() throws Exception {
        List<String> d = digests(run("isolate=connection", "fetch:a:-:" + host("x") + ":80", "fetch:a:-:" + host("x")
                + ":80"));
        assertNotEquals(d.get(0), d.get(1));
    }

    @Test
    void apiScopesAreKeysThatFollowIntoStartedThreadsAndWrappedTasksAndRenewAlone() throws Exception {
        List<IsolationString> keys = run("isolate=app", "fetch:a:alice:" + host("x") + ":80",
                "fetch:a:bob:" + host("x") + ":80", "fetch:b:alice:" + host("y") + ":80",
                "child:alice:" + host("x") + ":80", "pool:bob:" + host("x") + ":80", "fetch:a:-:" + host("x") + ":80",
                "renew:alice", "fetch:a:alice:" + host("x") + ":80", "fetch:a:bob:" + host("x") + ":80",
                "inherited-pool:bob:" + host("x") + ":80");
        List<String> d = digests(keys);
        assertEquals(9, d.size());
        assertEquals(d.get(5), d.get(8), "a task wrapped outside any scope runs in none, on a pool thread born in bob's");
        assertEquals("scope", keys.get(0).kind());
        assertEquals("app", keys.get(5).kind());
        assertEquals(d.get(0), d.get(2), "alice on another thread: alice's key");
        assertNotEquals(d.get(0), d.get(1), "alice and bob");
        assertEquals(d.get(0), d.get(3), "a thread started inside alice's scope");
        assertEquals(d.get(1), d.get(4), "a pool task wrapped inside bob's scope");
        assertNotEquals(d.get(5), d.get(0), "outside any scope");
        assertNotEquals(d.get(5), d.get(1));
        assertNotEquals(d.get(0), d.get(6), "alice renewed: a new key");
        assertEquals(d.get(1), d.get(7), "bob keeps his");
    }

    @Test
    void lookupsCarryTheKeyOfTheThreadScopeAndName() throws Exception {
        int before = socks.recorded().size();
        ForkedJvm.Result r = ForkedJvm.run("port=" + socks.port() + ",dns=remote,isolate=dest-host", List.of(),
                IsolationClients.class, "lookup:a:alice:" + host("x"), "fetch:a:alice:" + host("x") + ":80",
                "lookup:a:alice:" + host("y"));
        assertEquals(3, r.stdout().lines().filter(l -> l.contains(": OK ")).count(), r.toString());
        List<RecordingSocksServer.Recorded> q = socks.recorded().subList(before, socks.recorded().size());
        assertEquals(List.of(Socks5CommandType.RESOLVE, Socks5CommandType.CONNECT, Socks5CommandType.RESOLVE),
                q.stream().map(x -> x.request().type()).collect(Collectors.toList()), "the JDK cached the first answer");
        List<String> d = new ArrayList<>();
        for (RecordingSocksServer.Recorded x : q) {
            d.add(check(x.credentials(), x.request().dstAddr()).digest());
        }
        assertEquals(d.get(0), d.get(1), "the lookup and the connect of one name share a key");
        assertNotEquals(d.get(0), d.get(2), "another name, another key");
    }

    @Test
    void twoJvmsNeverShareAKeyUnlessLinkedOnPurpose(@TempDir Path dir) throws Exception {
        String step = "fetch:a:-:" + host("x") + ":80";
        String first = run("isolate=app,app=same", step).get(0).digest();
        String second = run("isolate=app,app=same", step).get(0).digest();
        assertNotEquals(first, second, "two JVMs with one app name: two keys");
        Path secret = dir.resolve("secret");
        Files.write(secret, "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String linkedA = run("isolate=app,app=same,link-jvms=" + secret, step).get(0).digest();
        String linkedB = run("isolate=app,app=same,link-jvms=" + secret, step).get(0).digest();
        assertEquals(linkedA, linkedB, "link-jvms: the same key, as asked");
        String otherApp = run("isolate=app,app=other,link-jvms=" + secret, step).get(0).digest();
        assertNotEquals(linkedA, otherApp);
        String connectionA = run("isolate=connection,app=same,link-jvms=" + secret, step).get(0).digest();
        String connectionB = run("isolate=connection,app=same,link-jvms=" + secret, step).get(0).digest();
        assertNotEquals(connectionA, connectionB, "connection 1 of one JVM is not connection 1 of another");
    }

    @Test
    void theApiReportsTheAgentsSettings() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run("port=" + socks.port() + ",isolate=thread+first-party,app=demo", List.of(),
                IsolationClients.class, "status");
        assertTrue(r.stdout().contains("status: OK Status[active=true, socksPort=127.0.0.1:" + socks.port()
                + ", isolate=app+thread+first-party, app=demo]"), r.toString());
    }
}
