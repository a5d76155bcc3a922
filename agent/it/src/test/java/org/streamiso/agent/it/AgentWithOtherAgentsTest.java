package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.testing.RecordingSocksServer;

/**
 * The agent beside other instrumentation: an application that instruments itself with its own byte-buddy
 * (Mockito's inline mock maker, {@code ByteBuddyAgent.install()} and a redefinition) runs as it does without the
 * agent, and still has every connection routed; and the OpenTelemetry Java agent, before or after streamiso on the
 * command line, instruments the HTTP clients while every connection still goes to the SocksPort by name.
 *
 * <p>Every run uses {@code bypass=none}, so that a connection to loopback (an exporter's default
 * {@code localhost:4318}, say) would reach the SOCKS server too: the runs pass only where that server saw exactly
 * the application's own requests.
 */
class AgentWithOtherAgentsTest {
    static final String OTEL_JAR = System.getProperty("streamiso.otel.jar",
            "target/other-agents/opentelemetry-javaagent.jar");
    static final String MOCKITO_CLASS_PATH = System.getProperty("streamiso.mockito.classpath", "");
    /** OpenTelemetry with every exporter off: it must send nothing anywhere. */
    static final List<String> OTEL_QUIET = List.of("-Dotel.traces.exporter=none", "-Dotel.metrics.exporter=none",
            "-Dotel.logs.exporter=none", "-Dotel.service.name=streamiso-it",
            "-Dotel.resource.providers.aws.enabled=false", "-Dotel.resource.providers.gcp.enabled=false",
            "-Dotel.resource.providers.azure.enabled=false");

    static HttpServer web;

    @BeforeAll
    static void start() throws Exception {
        // Like TestWebServer, and it says whether the request carried W3C trace context (OpenTelemetry's header).
        web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        web.createContext("/", exchange -> {
            String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
            byte[] body = (TestWebServer.GREETING + ": " + exchange.getRequestURI().getPath() + " traceparent="
                    + (traceparent == null ? "none" : traceparent) + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        web.start();
    }

    @AfterAll
    static void stop() {
        web.stop(0);
    }

    private static int webPort() {
        return web.getAddress().getPort();
    }

    private static RecordingSocksServer socks() throws Exception {
        return RecordingSocksServer.relaying(request -> new InetSocketAddress("127.0.0.1", webPort()));
    }

    /** Mockito attaches byte-buddy-agent to its own JVM; JDK 21+ warns about that unless allowed. */
    private static List<String> dynamicAgentLoading() {
        return ForkedJvm.feature() >= 21 ? List.of("-XX:+EnableDynamicAgentLoading") : List.of();
    }

    private static String streamiso(int socksPort) {
        return "-javaagent:" + ForkedJvm.AGENT_JAR.toAbsolutePath() + "=port=" + socksPort + ",bypass=none";
    }

    private static ForkedJvm.Result fork(List<String> agents, List<String> options, String classPath, String... args)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(ForkedJvm.java()));
        command.addAll(agents);
        command.addAll(options);
        command.addAll(List.of("-cp", classPath, OtherAgentsClients.class.getName()));
        command.addAll(Arrays.asList(args));
        return ForkedJvm.exec(command, 120);
    }

    /** The {@code OK} line of each step, in order; fails on any other line of the application's. */
    private static List<String> okLines(ForkedJvm.Result r, int expected) {
        List<String> lines = Arrays.stream(r.stdout().split("\n"))
                .filter(l -> l.startsWith("OK ") || l.startsWith("EXC ") || l.startsWith("CAUSE "))
                .collect(Collectors.toList());
        assertEquals(expected, lines.size(), r.toString());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("OK ")), r.toString());
        assertEquals(0, r.exitCode(), r.toString());
        return lines;
    }

    /** Each fetch got the web server's answer for its own path. */
    private static void assertFetched(List<String> ok, ForkedJvm.Result r) {
        for (String kind : OtherAgentsClients.FETCHES) {
            assertTrue(ok.stream().anyMatch(l -> l.startsWith("OK fetch " + kind + " " + TestWebServer.GREETING
                    + ": /" + kind + " ")), kind + ": " + r);
        }
    }

    /**
     * The SOCKS server got one CONNECT by name (DOMAINNAME) for each fetch and the RESOLVEs of {@code mustResolve},
     * and nothing but CONNECTs and RESOLVEs of the application's own names: {@code KIND.BASE} (the JDK looks a name
     * up before it connects, which under {@code dns=remote} is a RESOLVE through Tor) and {@code lookup.BASE}.
     */
    private static void assertAsked(RecordingSocksServer socks, String base, List<String> mustResolve,
            ForkedJvm.Result r) {
        Set<String> ours = new TreeSet<>();
        ours.add(OtherAgentsClients.host("lookup", base));
        for (String kind : OtherAgentsClients.FETCHES) {
            ours.add(OtherAgentsClients.host(kind, base));
        }
        String seen = socks.requests() + "\n" + r;
        for (Socks5CommandRequest q : socks.requests()) {
            assertEquals(Socks5AddressType.DOMAIN, q.dstAddrType(), q + " in " + seen);
            assertTrue(ours.contains(q.dstAddr()), "not the application's: " + q + " in " + seen);
            assertTrue(q.type().equals(Socks5CommandType.CONNECT) && q.dstPort() == 80
                    || q.type().equals(Socks5CommandType.RESOLVE), q + " in " + seen);
        }
        for (String kind : OtherAgentsClients.FETCHES) {
            String host = OtherAgentsClients.host(kind, base);
            assertEquals(1, socks.requests(Socks5CommandType.CONNECT).stream()
                    .filter(q -> q.dstAddr().equals(host)).count(), "one CONNECT for " + host + " in " + seen);
        }
        for (String name : mustResolve) {
            assertEquals(1, socks.requests(Socks5CommandType.RESOLVE).stream()
                    .filter(q -> q.dstAddr().equals(name)).count(), "one RESOLVE for " + name + " in " + seen);
        }
    }

    /**
     * streamiso refused nothing and had nothing to say: no line of its own but a leak report (if any), which counts
     * no refused connection.
     */
    private static void assertNothingRefused(ForkedJvm.Result r) {
        for (String line : r.stderr().split("\n")) {
            if (line.contains("streamiso: leak report")) {
                assertTrue(line.contains("refused direct connection=0"), line + "\n" + r);
            } else {
                // Its log lines start "streamiso: "; a refusal's exception message says "streamiso refused".
                assertTrue(!line.contains("streamiso: ") && !line.contains("streamiso refused"), line + "\n" + r);
            }
        }
    }

    @Test
    void anApplicationThatInstrumentsItselfWithItsOwnByteBuddyRunsUnharmedAndIsRouted() throws Exception {
        String base = "mockito" + AgentRoutingTest.SUFFIX;
        try (RecordingSocksServer socks = socks()) {
            ForkedJvm.Result r = fork(List.of(streamiso(socks.port())), dynamicAgentLoading(),
                    ForkedJvm.CLASSES + File.pathSeparator + MOCKITO_CLASS_PATH, "mockito", base, "80");

            List<String> ok = okLines(r, OtherAgentsClients.MOCKITO_STEPS.size() + OtherAgentsClients.FETCHES.size());
            for (int i = 0; i < OtherAgentsClients.MOCKITO_STEPS.size(); i++) {
                assertTrue(ok.get(i).startsWith("OK " + OtherAgentsClients.MOCKITO_STEPS.get(i) + " "), r.toString());
            }
            // The lookup after Mockito retransformed InetAddress still went to Tor (RESOLVE) and kept the name.
            assertTrue(ok.get(2).endsWith(" real lookup." + base + "/" + RecordingSocksServer.RESOLVED), r.toString());
            assertFetched(ok, r);
            assertAsked(socks, base, List.of(OtherAgentsClients.host("lookup", base)), r);
            assertNothingRefused(r);
        }
    }

    @Test
    void theSameApplicationRunsWithoutTheAgent() throws Exception {
        // The control: what the application prints when nothing but its own instrumentation runs.
        ForkedJvm.Result r = fork(List.of(), dynamicAgentLoading(),
                ForkedJvm.CLASSES + File.pathSeparator + MOCKITO_CLASS_PATH, "mockito", "127.0.0.1",
                Integer.toString(webPort()));

        List<String> ok = okLines(r, OtherAgentsClients.MOCKITO_STEPS.size() + OtherAgentsClients.FETCHES.size());
        for (int i = 0; i < OtherAgentsClients.MOCKITO_STEPS.size(); i++) {
            assertTrue(ok.get(i).startsWith("OK " + OtherAgentsClients.MOCKITO_STEPS.get(i) + " "), r.toString());
        }
        assertTrue(ok.get(2).endsWith(" real /127.0.0.1"), r.toString());
        assertFetched(ok, r);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"opentelemetry-first", "streamiso-first"})
    void everyConnectionIsRoutedBesideTheOpenTelemetryAgent(String order) throws Exception {
        assertTrue(Files.isRegularFile(Path.of(OTEL_JAR)), OTEL_JAR + " is missing: run mvn from the project root");
        String base = order + AgentRoutingTest.SUFFIX;
        try (RecordingSocksServer socks = socks()) {
            String otel = "-javaagent:" + Path.of(OTEL_JAR).toAbsolutePath();
            List<String> agents = order.equals("opentelemetry-first") ? List.of(otel, streamiso(socks.port()))
                    : List.of(streamiso(socks.port()), otel);
            ForkedJvm.Result r = fork(agents, OTEL_QUIET, ForkedJvm.CLASSES, "fetch", base, "80");

            List<String> ok = okLines(r, OtherAgentsClients.FETCHES.size());
            assertFetched(ok, r);
            // OpenTelemetry did instrument the two HTTP clients: their requests carry its trace context.
            for (String kind : List.of("url-connection", "http-client-sync")) {
                assertTrue(ok.stream().anyMatch(l -> l.startsWith("OK fetch " + kind + " ")
                        && l.matches(".* traceparent=00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")), kind + ": " + r);
            }
            assertAsked(socks, base, List.of(), r);
            assertNothingRefused(r);
        }
    }
}
