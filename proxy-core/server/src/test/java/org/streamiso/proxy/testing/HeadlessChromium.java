package org.streamiso.proxy.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.streamiso.proxy.internal.Json;

/**
 * Headless Chromium (the Debian package) for tests, driven through the DevTools protocol over
 * {@code --remote-debugging-pipe} (JSON messages ended by a NUL byte on file descriptors 3 and 4, here two FIFOs),
 * so no library and no debugging port is needed.
 *
 * <p><b>Important:</b> Chromium never reaches the network. It runs in a network namespace of its own
 * ({@code unshare -n}) that has only loopback, checked before it starts; the ports it may open are bridged into
 * that namespace one by one ({@code socat} on 127.0.0.1:PORT inside, a {@link UnixBridge} to the same port of this
 * JVM's loopback outside). Its background networking (updates, sync, safe browsing, metrics, translation) is off as
 * well. Needs root (for {@code unshare -n}), {@code chromium}, {@code socat} and {@code ip}; where one is missing the
 * test is skipped, unless {@code STREAMISO_REQUIRE_BROWSER=1} makes that a failure.
 *
 * @see <a href="https://chromedevtools.github.io/devtools-protocol/">Chrome DevTools Protocol</a>
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability", "--disable-breakpad",
            "--disable-client-side-phishing-detection", "--disable-background-timer-throttling",
            "--metrics-recording-only", "--password-store=basic", "--use-mock-keychain", "--mute-audio",
            "--hide-scrollbars", "--force-color-profile=srgb", "--lang=en-US", "--window-size=1200,900",
            "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
                    + "NetworkTimeServiceQuerying,CertificateTransparencyComponentUpdater,AutofillServerCommunication,"
                    + "SafeBrowsing,InterestFeedContentSuggestions,PrivacySandboxSettings4",
            "--remote-debugging-pipe");

    private final Process process;
    private final OutputStream toBrowser;
    private final List<UnixBridge> bridges;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Path dir;
    private String session;

    private HeadlessChromium(Process process, OutputStream toBrowser, List<UnixBridge> bridges, Path dir) {
        this.process = process;
        this.toBrowser = toBrowser;
        this.bridges = bridges;
        this.dir = dir;
    }

    /** Skips the test (or fails it under {@code STREAMISO_REQUIRE_BROWSER=1}) where Chromium cannot run here. */
    public static void assumeAvailable() throws Exception {
        String missing = null;
        for (String tool : List.of("chromium", "socat", "ip", "unshare", "mkfifo")) {
            if (run(List.of("sh", "-c", "command -v " + tool)) != 0) {
                missing = tool;
            }
        }
        if (missing == null && run(List.of("unshare", "-n", "true")) != 0) {
            missing = "permission for unshare -n (root)";
        }
        if (missing != null && "1".equals(System.getenv("STREAMISO_REQUIRE_BROWSER"))) {
            throw new IllegalStateException("The browser test needs " + missing + "; STREAMISO_REQUIRE_BROWSER=1"
                    + " makes this a failure. Install it (apt-get install chromium socat iproute2).");
        }
        assumeTrue(missing == null, "The browser test needs " + missing + " (apt-get install chromium socat"
                + " iproute2; unshare -n needs root)");
    }

    private static int run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /**
     * Starts Chromium in a loopback-only network namespace in which 127.0.0.1:PORT of each of {@code reachable}
     * leads to the same port of this JVM's loopback, and attaches to its first page.
     *
     * @param dir an empty folder for the profile, the FIFOs, the socket files and Chromium's output
     */
    public static HeadlessChromium start(Path dir, List<InetSocketAddress> reachable) throws Exception {
        Files.createDirectories(dir);
        List<UnixBridge> bridges = new ArrayList<>();
        StringBuilder script = new StringBuilder("set -eu\nip link set lo up\n"
                + "# Nothing but loopback in this namespace: no way to any other address.\n"
                + "if [ \"$(ip -o link show | wc -l)\" != 1 ] || ip route get 1.1.1.1 >/dev/null 2>&1; then\n"
                + "  echo 'the namespace has more than loopback' >&2; exit 3\nfi\n");
        for (InetSocketAddress target : reachable) {
            UnixBridge bridge = UnixBridge.start(dir.resolve("port-" + target.getPort() + ".sock"), target);
            bridges.add(bridge);
            script.append("socat TCP-LISTEN:").append(target.getPort())
                    .append(",bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:").append(bridge.file()).append(" &\n");
        }
        for (InetSocketAddress target : reachable) {
            script.append("i=0; until ss -ltnH 'sport = :").append(target.getPort())
                    .append("' | grep -q .; do i=$((i+1)); [ $i -lt 200 ] || exit 4; sleep 0.05; done\n");
        }
        Path in = dir.resolve("to-chromium");
        Path out = dir.resolve("from-chromium");
        script.append("mkfifo '").append(in).append("' '").append(out).append("'\n")
                .append("exec chromium --user-data-dir='").append(dir.resolve("profile")).append("' ")
                .append(String.join(" ", FLAGS)).append(" about:blank 3<>'").append(in).append("' 4<>'")
                .append(out).append("'\n");
        Path file = dir.resolve("chromium.sh");
        Files.writeString(file, script);
        ProcessBuilder builder = new ProcessBuilder("unshare", "-n", "sh", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile());
        // Its crash database, caches and keys go to the test's folder, not the user's home.
        Path home = Files.createDirectories(dir.resolve("home"));
        builder.environment().put("HOME", home.toString());
        builder.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        builder.environment().put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(Files.exists(in) && Files.exists(out))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                for (UnixBridge bridge : bridges) {
                    bridge.close();
                }
                throw new IOException("Chromium did not start (exit " + (process.isAlive() ? "none"
                        : process.exitValue()) + "): " + Files.readString(dir.resolve("chromium.log")));
            }
            Thread.onSpinWait();
        }
        // Chromium holds both FIFOs open read-write, so neither open below waits.
        OutputStream toBrowser = Files.newOutputStream(in);
        InputStream fromBrowser = Files.newInputStream(out);
        HeadlessChromium chromium = new HeadlessChromium(process, toBrowser, bridges, dir);
        Thread reader = new Thread(() -> chromium.readLoop(fromBrowser), "chromium-devtools");
        reader.setDaemon(true);
        reader.start();
        chromium.attach();
        return chromium;
    }

    private void readLoop(InputStream in) {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        try {
            for (int b; (b = in.read()) >= 0; ) {
                if (b != 0) {
                    message.write(b);
                    continue;
                }
                dispatch(message.toString(StandardCharsets.UTF_8));
                message.reset();
            }
        } catch (IOException e) {
            log.add("devtools pipe: " + e);
        }
        IOException ended = new IOException("Chromium closed its DevTools pipe; see " + dir.resolve("chromium.log"));
        pending.values().forEach(f -> f.completeExceptionally(ended));
    }

    @SuppressWarnings("unchecked")
    private void dispatch(String text) {
        Map<String, Object> message = (Map<String, Object>) Json.parse(text);
        Object id = message.get("id");
        if (id instanceof Long n) {
            CompletableFuture<Map<String, Object>> future = pending.remove(n);
            if (future != null) {
                future.complete(message);
            }
            return;
        }
        String method = (String) message.get("method");
        Map<String, Object> params = (Map<String, Object>) message.get("params");
        if ("Runtime.exceptionThrown".equals(method)) {
            log.add("exception: " + params.get("exceptionDetails"));
        } else if ("Log.entryAdded".equals(method)) {
            Map<String, Object> entry = (Map<String, Object>) params.get("entry");
            log.add(entry.get("level") + " " + entry.get("source") + ": " + entry.get("text"));
        } else if ("Runtime.consoleAPICalled".equals(method)) {
            log.add("console." + params.get("type") + ": " + params.get("args"));
        }
    }

    /**
     * Sends one DevTools command and waits for its result.
     *
     * @param paramsJson the params object as JSON
     * @throws IOException with Chromium's error message when the command failed
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> send(String method, String paramsJson, boolean toPage) throws IOException {
        long id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> future = new CompletableFuture<>();
        pending.put(id, future);
        String message = "{\"id\":" + id + ",\"method\":" + Json.quote(method) + ",\"params\":" + paramsJson
                + (toPage ? ",\"sessionId\":" + Json.quote(session) : "") + "}";
        synchronized (toBrowser) {
            toBrowser.write(message.getBytes(StandardCharsets.UTF_8));
            toBrowser.write(0);
            toBrowser.flush();
        }
        Map<String, Object> answer;
        try {
            answer = future.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + method, e);
        } catch (ExecutionException e) {
            throw new IOException(method + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(method + ": no answer from Chromium within " + COMMAND_TIMEOUT, e);
        } finally {
            pending.remove(id);
        }
        if (answer.get("error") != null) {
            throw new IOException(method + ": " + answer.get("error"));
        }
        return (Map<String, Object>) answer.get("result");
    }

    @SuppressWarnings("unchecked")
    private void attach() throws IOException {
        List<Map<String, Object>> targets = (List<Map<String, Object>>) send("Target.getTargets", "{}", false)
                .get("targetInfos");
        String page = targets.stream().filter(t -> "page".equals(t.get("type"))).map(t -> (String) t.get("targetId"))
                .findFirst().orElseThrow(() -> new IOException("Chromium has no page: " + targets));
        session = (String) send("Target.attachToTarget", "{\"targetId\":" + Json.quote(page)
                + ",\"flatten\":true}", false).get("sessionId");
        send("Runtime.enable", "{}", true);
        send("Log.enable", "{}", true);
        send("Page.enable", "{}", true);
    }

    /** Opens {@code url} in the page. */
    public void navigate(String url) throws IOException {
        Map<String, Object> result = send("Page.navigate", "{\"url\":" + Json.quote(url) + "}", true);
        if (result.get("errorText") != null) {
            throw new IOException("Chromium could not open " + url + ": " + result.get("errorText"));
        }
    }

    /**
     * Evaluates {@code expression} in the page, awaiting a promise, and returns its value as JSON values
     * ({@link Json}'s types).
     */
    @SuppressWarnings("unchecked")
    public Object evaluate(String expression) throws IOException {
        Map<String, Object> result = send("Runtime.evaluate", "{\"expression\":" + Json.quote(expression)
                + ",\"awaitPromise\":true,\"returnByValue\":true}", true);
        if (result.get("exceptionDetails") != null) {
            throw new IOException("the page threw: " + result.get("exceptionDetails") + "; its log: " + log);
        }
        return ((Map<String, Object>) result.get("result")).get("value");
    }

    /**
     * Waits in the page, up to {@code timeout}, until {@code condition} (a JavaScript expression) is truthy, and
     * returns its value.
     */
    public Object await(String condition, Duration timeout) throws IOException {
        return evaluate("new Promise((resolve, reject) => { const end = Date.now() + " + timeout.toMillis() + ";"
                + " (function check() { let v; try { v = (" + condition + "); } catch (e) { v = undefined; }"
                + " if (v) resolve(v); else if (Date.now() > end) reject(new Error('timed out waiting for: '"
                + " + " + Json.quote(condition) + " + ' in ' + document.body.innerText));"
                + " else setTimeout(check, 50); })(); })");
    }

    /** A PNG of the page as it is drawn now. */
    public byte[] screenshot() throws IOException {
        Map<String, Object> result = send("Page.captureScreenshot", "{\"format\":\"png\"}", true);
        return Base64.getDecoder().decode((String) result.get("data"));
    }

    /** What the page logged: console messages, exceptions, and Chromium's own messages (CSP violations among them). */
    public List<String> log() {
        return List.copyOf(log);
    }

    /** Closes the browser, then ends what is left of it (and of the socat bridges it started) and the bridges. */
    @Override
    public void close() throws IOException {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            send("Browser.close", "{}", false);
        } catch (IOException e) {
            // Already gone, or not answering: ended below.
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
        }
        toBrowser.close();
        for (UnixBridge bridge : bridges) {
            bridge.close();
        }
    }
}
