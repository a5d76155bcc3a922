package org.streamiso.examples.twoidentities;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.streamiso.isolation.StreamIsolation;

/**
 * One JVM, two identities: the accounts alice and bob poll one HTTP server, each inside its own isolation scope
 * ({@link StreamIsolation#run}), so their streams never share a Tor circuit; half-way alice asks for a new identity
 * ({@link StreamIsolation#renew}). Given Tor's ControlPort it prints the circuit of every poll, from STREAM events.
 *
 * <p>{@code java -javaagent:streamiso.jar=port=9050 -jar two-identities.jar URL [--polls N] [--renew-after K]
 * [--control-port IP:PORT --cookie FILE]}
 */
public final class TwoIdentities {
    private static final List<String> ACCOUNTS = List.of("alice", "bob");
    private static final String RENEWED = "alice";
    private static final int TIMEOUT_MILLIS = 60_000;
    private static final long EVENT_WAIT_MILLIS = 10_000;

    private TwoIdentities() {
    }

    public static void main(String[] args) throws Exception {
        URI base = null;
        int polls = 4;
        int renewAfter = -1;
        InetSocketAddress controlPort = null;
        Path cookie = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--polls" -> {
                    polls = number(arg, value, 1, 100);
                    i++;
                }
                case "--renew-after" -> {
                    renewAfter = number(arg, value, 0, 100);
                    i++;
                }
                case "--control-port" -> {
                    controlPort = address(arg, value);
                    i++;
                }
                case "--cookie" -> {
                    if (value == null) {
                        usage("--cookie: nothing (expected: tor's DataDirectory/control_auth_cookie)");
                    }
                    cookie = Path.of(value);
                    i++;
                }
                default -> {
                    if (base != null || arg.startsWith("--")) {
                        usage(arg + ": \"" + arg + "\" (expected: one URL and the options below)");
                    }
                    base = url(arg);
                }
            }
        }
        if (base == null) {
            usage(null);
        }
        if ((controlPort == null) != (cookie == null)) {
            usage("--control-port and --cookie: one of them given (expected: both, or neither)");
        }
        if (renewAfter < 0) {
            renewAfter = polls / 2;
        }
        System.out.println("two-identities: " + (StreamIsolation.isActive() ? "under the streamiso agent ("
                + StreamIsolation.status() + ")" : "without the streamiso agent: no scope isolates anything"));
        StreamWatch watch = controlPort == null ? null : StreamWatch.open(controlPort, cookie);
        try {
            System.exit(run(base, polls, renewAfter, watch));
        } finally {
            if (watch != null) {
                watch.close();
            }
        }
    }

    private static int run(URI base, int polls, int renewAfter, StreamWatch watch) throws Exception {
        // identity ("alice", "alice after renew", "bob") -> circuits its polls used, in order
        Map<String, Set<String>> circuits = new LinkedHashMap<>();
        for (int poll = 1; poll <= polls; poll++) {
            if (poll == renewAfter + 1) {
                StreamIsolation.renew(RENEWED);
                System.out.println("two-identities: renewed " + RENEWED + " (StreamIsolation.renew): her next streams"
                        + " get new credentials, so new circuits; bob keeps his");
            }
            for (String account : ACCOUNTS) {
                boolean renewed = account.equals(RENEWED) && poll > renewAfter;
                int n = poll;
                String[] result = StreamIsolation.call(account, () -> poll(base, account, n, renewed, watch));
                if (result[1] != null) {
                    circuits.computeIfAbsent(account + (renewed ? " after renew" : ""), k -> new LinkedHashSet<>())
                            .add(result[1]);
                }
            }
        }
        if (watch == null) {
            return 0;
        }
        for (Map.Entry<String, Set<String>> e : circuits.entrySet()) {
            System.out.println("two-identities: " + e.getKey() + " used circuit" + (e.getValue().size() == 1 ? " " : "s ")
                    + String.join(", ", e.getValue()));
        }
        List<String> shared = new ArrayList<>();
        List<String> identities = new ArrayList<>(circuits.keySet());
        for (int i = 0; i < identities.size(); i++) {
            for (int j = i + 1; j < identities.size(); j++) {
                Set<String> common = new LinkedHashSet<>(circuits.get(identities.get(i)));
                common.retainAll(circuits.get(identities.get(j)));
                if (!common.isEmpty()) {
                    shared.add(identities.get(i) + " and " + identities.get(j) + " shared circuit " + common);
                }
            }
        }
        if (!shared.isEmpty()) {
            System.out.println("two-identities: NOT SEPARATE: " + String.join("; ", shared)
                    + ". Does the SocksPort isolate by SOCKS credentials (no NoIsolateSOCKSAuth)?");
            return 1;
        }
        System.out.println("two-identities: no two of " + identities + " shared a circuit (Tor's STREAM events)");
        return 0;
    }

    /** One poll on a connection of its own: returns the answer's first line and the circuit (null without a watch). */
    private static String[] poll(URI base, String account, int n, boolean renewed, StreamWatch watch)
            throws IOException, InterruptedException {
        String host = base.getHost();
        int port = base.getPort() > 0 ? base.getPort() : 80;
        String basePath = base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath();
        String path = basePath + (basePath.endsWith("/") ? "" : "/") + "inbox/" + account;
        String status;
        String body;
        SocketAddress local;
        try (Socket socket = new Socket()) {
            socket.connect(InetSocketAddress.createUnresolved(host, port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            local = socket.getLocalSocketAddress();
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            status = String.valueOf(in.readLine());
            for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                // headers
            }
            body = String.valueOf(in.readLine());
        }
        String circuit = null;
        String where = "local=" + hostPort(local);
        if (watch != null) {
            String[] streamAndCircuit = watch.circuitOf(local, EVENT_WAIT_MILLIS);
            circuit = streamAndCircuit[1];
            where += ", Tor stream " + streamAndCircuit[0] + " on circuit " + circuit;
        }
        System.out.println("two-identities: " + account + " poll " + n + (renewed ? " (after renew)" : "") + ": "
                + status + " \"" + body + "\" (" + where + ")");
        return new String[] {status, circuit};
    }

    private static String hostPort(SocketAddress address) {
        InetSocketAddress a = (InetSocketAddress) address;
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static int number(String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(String.valueOf(value));
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        usage(option + ": \"" + value + "\" (expected: " + min + "-" + max + ")");
        return -1;
    }

    private static InetSocketAddress address(String option, String value) {
        int colon = value == null ? -1 : value.lastIndexOf(':');
        if (colon > 0 && value.substring(0, colon).matches("\\d{1,3}(\\.\\d{1,3}){3}")
                && value.substring(colon + 1).matches("\\d{1,5}")) {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port >= 1 && port <= 65535) {
                // An IPv4 literal: no lookup.
                return new InetSocketAddress(value.substring(0, colon), port);
            }
        }
        usage(option + ": \"" + value + "\" (expected: IPv4:PORT, e.g. 127.0.0.1:9051)");
        return null;
    }

    private static URI url(String value) {
        try {
            URI uri = new URI(value);
            if ("http".equals(uri.getScheme()) && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        usage("URL: \"" + value + "\" (expected: http://HOST[:PORT]/)");
        return null;
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("two-identities: " + problem);
        }
        System.err.println("usage: java -jar two-identities.jar URL [--polls N] [--renew-after K]"
                + " [--control-port IP:PORT --cookie FILE]");
        System.exit(2);
    }
}
