package org.streamiso.examples.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamiso.examples.chat.ChatServer;
import org.streamiso.examples.demo.Report.Identity;
import org.streamiso.examples.demo.Report.Poll;
import org.streamiso.examples.demo.TorEvents.TorStream;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.TorNetworks;

/**
 * The one-command demo: a private Tor network on loopback, proxy-core in front of it with Whonix's ports and the
 * live isolation page, and three unmodified applications under {@code -javaagent:agent/target/streamiso.jar}, each
 * with identities and an isolation mode of its own: {@code fetch} ({@code isolate=dest-host}, two host names, through
 * proxy-core's 9159), {@code chat} (one long-lived socket, through a proxy-core port of its own) and
 * {@code two-identities} (alice and bob in isolation scopes, alice renewed half-way, straight to a Tor SocksPort of
 * its own). It prints a table app / identity → key → circuit → exit relay from Tor's STREAM and CIRC events, checks
 * the separation and the renewal from those events and the applications' output, and exits 1 when a check fails.
 *
 * <p>Everything it starts stops when it ends, on Ctrl-C too: the applications and proxy-core (shutdown hook;
 * proxy-core also when the demo's JVM dies, see {@link ExitWithParent}), and every tor (they exit with this JVM).
 *
 * <p>{@code java -jar examples/demo/target/demo.jar [--work-dir DIR] [--unisolated]}, from the project root.
 */
public final class Demo {
    static final Path AGENT = Path.of("agent/target/streamiso.jar");
    static final Path FETCH = Path.of("examples/fetch/target/fetch.jar");
    static final Path CHAT = Path.of("examples/chat/target/chat.jar");
    static final Path TWO_IDENTITIES = Path.of("examples/two-identities/target/two-identities.jar");
    static final Path PROXY_CORE = Path.of("proxy-core/target/proxy-core.jar");

    static final String CHAT_NICK = "carol";
    static final List<String> CHAT_LINES = List.of("hello from the demo", "one socket all along",
            "so one circuit");
    static final int POLLS = 4;
    static final int RENEW_AFTER = 2;

    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final long APP_TIMEOUT_MILLIS = 120_000;
    private static final long EVENT_TIMEOUT_MILLIS = 10_000;
    private static final Pattern LISTENING = Pattern.compile(".*proxy-core listening on (.*); relaying only to.*"
            + "status on http://([0-9.]+:\\d+)/status\\..*");
    private static final Pattern POLL = Pattern.compile("two-identities: (alice|bob) poll \\d+( \\(after renew\\))?: "
            + "HTTP/1\\.1 200 .*\\(local=([0-9.]+:\\d+), Tor stream \\d+ on circuit (\\d+)\\)");
    private static final Pattern VIOLATIONS = Pattern.compile("\"violations\":(\\d+)");

    private static final List<Child> CHILDREN = new CopyOnWriteArrayList<>();

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        Path workDir = null;
        boolean unisolated = false;
        for (int i = 0; i < args.length; i++) {
            if ("--work-dir".equals(args[i]) && i + 1 < args.length && workDir == null) {
                workDir = Path.of(args[++i]).toAbsolutePath();
            } else if ("--unisolated".equals(args[i])) {
                unisolated = true;
            } else {
                System.err.println("demo: " + args[i] + " (expected: --work-dir DIR, a missing or empty directory, and"
                        + " --unisolated, which points two-identities at a SocksPort with NoIsolateSOCKSAuth to show"
                        + " the checks fail)");
                System.exit(2);
            }
        }
        for (Path p : List.of(AGENT, FETCH, CHAT, TWO_IDENTITIES, PROXY_CORE)) {
            if (!Files.isRegularFile(p)) {
                System.err.println("demo: " + p + " is missing; nothing was started. Run from the project root after "
                        + "`mvn -B -q package -DskipTests`.");
                System.exit(2);
            }
        }
        if (workDir == null) {
            workDir = Files.createTempDirectory("streamiso-demo-");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(Demo::stopChildren, "demo-stop-children"));
        int exit;
        try {
            exit = run(workDir, unisolated);
        } catch (IOException e) {
            System.err.println("demo: " + e.getMessage());
            exit = 3;
        } finally {
            stopChildren();
        }
        System.exit(exit);
    }

    private static int run(Path workDir, boolean unisolated) throws Exception {
        HttpServer web = httpServer("hello through Tor, from the demo's web server on 127.0.0.1");
        HttpServer api = httpServer("hello through Tor, from the demo's API server on 127.0.0.1");
        HttpServer inbox = httpServer(null);
        ChatServer chat = ChatServer.start(0);
        try (PrivateTorNetwork tor = PrivateTorNetwork.builder(workDir.resolve("tor"))
                .mapAddresses(TorNetworks.mapAddresses()).start();
                TorEvents events = TorEvents.open(tor.controlPort(), tor.cookieFile())) {
            try {
                return runApps(workDir, unisolated, tor, events, web, api, inbox, chat);
            } finally {
                stopChildren(); // before tor stops, so that proxy-core never reports a lost ControlPort
            }
        } finally {
            web.stop(0);
            api.stop(0);
            inbox.stop(0);
            chat.close();
        }
    }

    private static int runApps(Path workDir, boolean unisolated, PrivateTorNetwork tor, TorEvents events, HttpServer web, HttpServer api,
            HttpServer inbox, ChatServer chat) throws Exception {
        String marker = "-Dstreamiso.demo.dir=" + workDir;
        String cookie = tor.cookieFile().toString();
        String controlPort = hostPort(tor.controlPort());

        Child proxyCore = startProxyCore(marker, hostPort(tor.socksPorts().get(0)), controlPort, cookie);
        String[] ports = awaitProxyCore(proxyCore);
        String chatPort = ports[0];
        String statusAddress = ports[1];
        System.out.println("demo: the live isolation page: http://" + statusAddress + "/ (proxy-core's status"
                + " endpoint; it shows the streams of fetch and chat while they run)");

        String plain = "127.0.0.1:9159";
        String direct = hostPort(unisolated ? tor.noIsolateSocksAuthSocksPort() : tor.socksPorts().get(1));
        if (unisolated) {
            System.out.println("demo: --unisolated: two-identities uses SocksPort " + direct + ", which has"
                    + " NoIsolateSOCKSAuth, so Tor may put alice's and bob's streams on one circuit; the checks say so.");
        }
        String web1 = TorNetworks.WEB_NAME + ":" + web.getAddress().getPort();
        String web2 = TorNetworks.API_NAME + ":" + api.getAddress().getPort();
        List<String> chatArgs = new ArrayList<>(List.of(TorNetworks.WEB_NAME + ":" + chat.port(), CHAT_NICK,
                "--pause", "1"));
        chatArgs.addAll(CHAT_LINES);
        Child chatApp = startApp("chat", marker, agent(chatPort, "chat", "app"), CHAT, chatArgs);
        Child fetchApp = startApp("fetch", marker, agent(plain, "fetch", "dest-host"), FETCH,
                List.of("http://" + web1 + "/", "http://" + web2 + "/"));
        Child twoApp = startApp("two-identities", marker, agent(direct, "two-identities", "app"),
                TWO_IDENTITIES, List.of("http://" + TorNetworks.WEB_NAME + ":" + inbox.getAddress().getPort() + "/",
                        "--polls", String.valueOf(POLLS), "--renew-after", String.valueOf(RENEW_AFTER),
                        "--control-port", controlPort, "--cookie", cookie));

        Report report = new Report();
        checkFetch(report, fetchApp);
        checkChat(report, chatApp);
        List<Poll> polls = checkTwoIdentities(report, twoApp);

        Map<Integer, Identity> byPort = new HashMap<>();
        Identity webId = new Identity("fetch", TorNetworks.WEB_NAME, "proxy-core " + plain);
        Identity apiId = new Identity("fetch", TorNetworks.API_NAME, "proxy-core " + plain);
        Identity chatId = new Identity("chat", CHAT_NICK, "proxy-core " + chatPort);
        byPort.put(web.getAddress().getPort(), webId);
        byPort.put(api.getAddress().getPort(), apiId);
        byPort.put(chat.port(), chatId);
        int inboxPort = inbox.getAddress().getPort();
        Map<String, Identity> bySource = new HashMap<>();
        List<Identity> order = new ArrayList<>(List.of(webId, apiId, chatId));
        for (Poll p : polls) {
            Identity id = new Identity("two-identities", p.identity(), "Tor " + direct);
            bySource.put(p.local(), id);
            if (!order.contains(id)) {
                order.add(id);
            }
        }
        Set<String> pollSources = bySource.keySet();
        boolean complete = events.await(streams -> {
            Set<Integer> ports2 = new LinkedHashSet<>();
            Set<String> sources = new LinkedHashSet<>();
            for (TorStream s : streams) {
                ports2.add(s.port);
                if (s.source != null) {
                    sources.add(s.source);
                }
            }
            return ports2.containsAll(byPort.keySet()) && sources.containsAll(pollSources);
        }, EVENT_TIMEOUT_MILLIS);
        if (!complete) {
            report.fail("Tor's STREAM events did not name every stream of the applications within "
                    + EVENT_TIMEOUT_MILLIS / 1000 + " s");
        }
        List<TorStream> streams = events.succeeded();
        long chatStreams = streams.stream().filter(s -> s.port == chat.port()).count();
        if (chatStreams != 1) {
            report.fail("Tor saw " + chatStreams + " streams of chat (expected: one, its long-lived socket)");
        }
        report.streams(streams, s -> s.port == inboxPort ? bySource.get(s.source) : byPort.get(s.port),
                events::exitOf, order);
        for (Poll p : polls) {
            for (TorStream s : streams) {
                if (p.local().equals(s.source) && !p.circuit().equals(s.circuit)) {
                    report.fail("two-identities reported circuit " + p.circuit() + " for " + p.identity()
                            + "'s poll, Tor's events to the demo circuit " + s.circuit);
                }
            }
        }
        Set<String> before = report.circuitsOf("alice");
        Set<String> after = new LinkedHashSet<>(report.circuitsOf("alice, renewed"));
        after.retainAll(before);
        if (report.circuitsOf("alice, renewed").isEmpty() || !after.isEmpty()) {
            report.fail("after the renewal alice's streams did not move to circuits of their own (before: "
                    + before + ", after: " + report.circuitsOf("alice, renewed") + ")");
        }
        long violations = auditViolations(statusAddress);
        if (violations != 0) {
            report.fail(violations < 0 ? "proxy-core's status did not give its audit's violation count"
                    : "proxy-core's audit counted " + violations + " isolation violations");
        }

        System.out.println();
        report.table().forEach(line -> System.out.println("demo: " + line));
        System.out.println();
        int exit;
        if (report.failures().isEmpty()) {
            System.out.println("demo: OK. Checked from Tor's STREAM events and the applications' output: "
                    + report.keyCount() + " keys on " + report.circuitCount() + " circuits, no circuit carried"
                    + " streams of two keys, each identity had one key of its own (fetch's two host names, chat,"
                    + " alice, bob); after StreamIsolation.renew alice's streams had a new key on circuits she had"
                    + " not used while bob kept his key; chat's lines all came back over one stream; fetch got"
                    + " both pages twice and every poll got its answer; proxy-core's audit counted 0 violations.");
            exit = 0;
        } else {
            System.out.println("demo: FAILED: " + String.join("; ", report.failures()) + ".");
            exit = 1;
        }
        if (interactive()) {
            System.out.println("demo: everything stays up until you press Enter (or Ctrl-C): the live page at http://"
                    + statusAddress + "/, proxy-core on " + plain + ", e.g. java -javaagent:" + AGENT + "=port=9159"
                    + " -jar " + FETCH + " http://" + web1 + "/");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        return exit;
    }

    private static void checkFetch(Report report, Child app) throws InterruptedException {
        Optional<Integer> exit = app.await(APP_TIMEOUT_MILLIS);
        long pages = app.lines().stream().filter(l -> l.matches("HttpClient {5}200 hello through Tor.*")
                || l.matches("URL\\.openStream hello through Tor.*")).count();
        if (!exit.equals(Optional.of(0)) || pages != 4) {
            report.fail("fetch " + ended(exit) + " with " + pages + " of 4 pages");
        }
    }

    private static void checkChat(Report report, Child app) throws InterruptedException {
        Optional<Integer> exit = app.await(APP_TIMEOUT_MILLIS);
        String done = "chat: " + CHAT_LINES.size() + " of " + CHAT_LINES.size() + " lines came back over one connection";
        if (!exit.equals(Optional.of(0)) || app.lines().stream().noneMatch(l -> l.startsWith(done))) {
            report.fail("chat " + ended(exit) + " without all its lines back");
        }
    }

    private static List<Poll> checkTwoIdentities(Report report, Child app) throws InterruptedException {
        Optional<Integer> exit = app.await(APP_TIMEOUT_MILLIS);
        List<Poll> polls = new ArrayList<>();
        for (String line : app.lines()) {
            Matcher m = POLL.matcher(line);
            if (m.matches()) {
                polls.add(new Poll(m.group(1), m.group(2) != null, m.group(3), m.group(4)));
            }
        }
        if (!exit.equals(Optional.of(0)) || polls.size() != 2 * POLLS) {
            report.fail("two-identities " + ended(exit) + " with " + polls.size() + " of " + 2 * POLLS
                    + " polls answered");
        }
        return polls;
    }

    private static String ended(Optional<Integer> exit) {
        return exit.isPresent() ? "exited " + exit.get() : "still ran after " + APP_TIMEOUT_MILLIS / 1000 + " s";
    }

    /** The agent argument for an application. */
    private static String agent(String socksPort, String app, String isolate) {
        return "-javaagent:" + AGENT + "=port=" + socksPort.substring(socksPort.lastIndexOf(':') + 1) + ",app=" + app
                + ",isolate=" + isolate;
    }

    private static Child startApp(String name, String marker, String agent, Path jar, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), marker, agent, "-jar", jar.toString()));
        command.addAll(args);
        System.out.println("demo: " + String.join(" ", command.subList(2, command.size())));
        return register(Child.start(name, command));
    }

    private static Child startProxyCore(String marker, String socksPort, String controlPort, String cookie)
            throws IOException, URISyntaxException {
        Path demoJar = Path.of(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> args = List.of("--whonix-ports", "--listen", "127.0.0.1:0", "--tor-socks", socksPort,
                "--tor-control", controlPort, "--tor-cookie", cookie, "--status", "127.0.0.1:0");
        List<String> command = new ArrayList<>(List.of(java(), marker, "-cp",
                PROXY_CORE + java.io.File.pathSeparator + demoJar, ExitWithParent.class.getName(),
                "org.streamiso.proxy.cli.Main"));
        command.addAll(args);
        System.out.println("demo: java -jar " + PROXY_CORE + " " + String.join(" ", args));
        return register(Child.start("proxy-core", command));
    }

    /** Waits for proxy-core's "listening" line; returns the chat port (its --listen 127.0.0.1:0) and the status address. */
    private static String[] awaitProxyCore(Child proxyCore) throws IOException, InterruptedException {
        Optional<String> line = proxyCore.awaitLine(l -> LISTENING.matcher(l).matches(), START_TIMEOUT_MILLIS);
        if (line.isEmpty()) {
            throw new IOException("proxy-core did not start listening within " + START_TIMEOUT_MILLIS / 1000 + " s"
                    + (proxyCore.isAlive() ? "" : " (it exited)") + "; see its output above. Is another proxy-core"
                    + " (or anything) on 127.0.0.1:9159, 9169, 9179 or 9189? Stop it and run the demo again.");
        }
        Matcher m = LISTENING.matcher(line.get());
        m.matches();
        String first = m.group(1).split(",")[0].trim();
        return new String[] {first.substring(0, first.indexOf(' ')), m.group(2)};
    }

    /** proxy-core's audit count from {@code GET /status}, or -1 when it could not be read. */
    private static long auditViolations(String statusAddress) {
        int colon = statusAddress.lastIndexOf(':');
        try (Socket socket = new Socket(statusAddress.substring(0, colon),
                Integer.parseInt(statusAddress.substring(colon + 1)))) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /status HTTP/1.1\r\nHost: " + statusAddress + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String body = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = VIOLATIONS.matcher(body);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** A web server on 127.0.0.1: {@code body} at every path, or with null the inbox of {@code /inbox/NAME}. */
    private static HttpServer httpServer(String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String text = body != null ? body + "\n"
                    : path.matches("/inbox/[a-z]{1,16}") ? path.length() % 3 + " new messages for "
                    + path.substring("/inbox/".length()) + "\n" : null;
            byte[] bytes = (text == null ? "no such inbox\n" : text).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(text == null ? 404 : 200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return server;
    }

    private static Child register(Child child) {
        CHILDREN.add(child);
        return child;
    }

    /** Stops every process the demo started; safe to call twice (from the shutdown hook, too). */
    private static void stopChildren() {
        for (Child child : CHILDREN) {
            child.stop();
            CHILDREN.remove(child);
        }
    }

    /** Whether a person watches: standard input and output are a terminal. */
    private static boolean interactive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console); // JDK 22+
        } catch (NoSuchMethodException e) {
            return true; // JDK 17-21 give a console only to a terminal
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
