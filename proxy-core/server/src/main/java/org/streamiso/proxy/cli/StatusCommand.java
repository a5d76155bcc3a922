package org.streamiso.proxy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.streamiso.proxy.internal.Json;
import org.streamiso.proxy.status.StatusServer;
import org.streamiso.proxy.status.StatusTable;

/**
 * The {@code status}, {@code renew} and {@code newnym} commands: one request to a running proxy-core's status
 * endpoint, its answer printed for people. {@code renew} and {@code newnym} first ask {@code GET /token} for the
 * run's token, which every POST must carry.
 */
final class StatusCommand {
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    static final int READ_TIMEOUT_MILLIS = 15_000;

    private StatusCommand() {
    }

    static boolean isCommand(String arg) {
        return "status".equals(arg) || "renew".equals(arg) || "newnym".equals(arg);
    }

    /** Runs {@code args[0]} with the options after it; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args[0];
        InetSocketAddress endpoint = null;
        String key = null;
        boolean noKey = false;
        try {
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                String name = Options.optionName(arg);
                String value = Options.inlineValue(arg);
                if (name.equals("--no-key") && value == null && command.equals("renew")) {
                    noKey = true;
                    continue;
                }
                if (!name.equals("--status") && !(name.equals("--key") && command.equals("renew"))) {
                    throw new Options.UsageException("option: \"" + arg + "\" (expected: --status IP:PORT"
                            + (command.equals("renew") ? " and --key KEY or --no-key" : "") + " after " + command
                            + ")");
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new Options.UsageException(name + ": nothing (expected: "
                                + (name.equals("--key") ? "KEY" : "IP:PORT") + ")");
                    }
                    value = args[++i];
                }
                if (name.equals("--status")) {
                    endpoint = Options.parseStatusAddress(value);
                } else {
                    key = value;
                }
            }
            if (endpoint == null) {
                throw new Options.UsageException("--status: nothing (expected: IP:PORT of a proxy-core started with"
                        + " --status, e.g. " + command + " --status 127.0.0.1:9158)");
            }
            if (command.equals("renew") && noKey && key != null) {
                throw new Options.UsageException("--key and --no-key: both (expected: one of them: --key KEY"
                        + " renews one client key, --no-key the clients that send no credentials)");
            }
            if (command.equals("renew") && !noKey && (key == null || key.isEmpty())) {
                throw new Options.UsageException("--key: nothing (expected: the client's key: the password of a"
                        + " client whose SOCKS username is <torS0X>0, its isolation string, e.g. renew --status"
                        + " 127.0.0.1:9158 --key si1:shop:thread:0123..., or the SOCKS username of any other, e.g."
                        + " --key alice; or --no-key for the clients that send no credentials)");
            }
        } catch (Options.UsageException e) {
            err.println("proxy-core: " + e.getMessage());
            err.println("Try --help for every option.");
            return Main.EXIT_USAGE;
        }

        String base = "http://" + hostPort(endpoint);
        try {
            switch (command) {
                case "status" -> out.print(StatusTable.render(Json.parse(request("GET", base + "/status",
                        endpoint))));
                case "renew" -> {
                    Object answer = Json.parse(request("POST", base + "/renew?" + (noKey ? "no-key"
                            : "key=" + URLEncoder.encode(key, StandardCharsets.ISO_8859_1)), endpoint));
                    Object epoch = answer instanceof Map<?, ?> m ? m.get("epoch") : null;
                    out.println(noKey ? "Renewed the identity of the clients that send no credentials (epoch " + epoch
                            + "): their new streams get new circuits."
                            : "Renewed the identity of client key " + (answer instanceof Map<?, ?> m ? m.get("key")
                            : "?") + " (epoch " + epoch + "): its new streams get new circuits.");
                }
                default -> {
                    request("POST", base + "/newnym", endpoint);
                    out.println("Sent SIGNAL NEWNYM: new streams of every key get new circuits.");
                }
            }
            return Main.EXIT_OK;
        } catch (IOException | IllegalArgumentException e) {
            err.println("proxy-core: " + e.getMessage());
            return Main.EXIT_STATUS_FAILED;
        }
    }

    /** The answer's body; a non-2xx answer throws with the endpoint's error message. */
    private static String request(String method, String url, InetSocketAddress endpoint) throws IOException {
        String token = null;
        if (method.equals("POST")) {
            Object answer = Json.parse(request("GET", "http://" + hostPort(endpoint) + "/token", endpoint));
            token = answer instanceof Map<?, ?> m && m.get("token") instanceof String t ? t : null;
            if (token == null) {
                throw new IOException("The status endpoint " + hostPort(endpoint) + " gave no token (GET /token);"
                        + " nothing was changed. Is it a proxy-core of this version?");
            }
        }
        HttpURLConnection connection;
        String body;
        int code;
        try {
            // A literal address and no proxy: nothing is looked up, nothing leaves loopback.
            connection = (HttpURLConnection) URI.create(url).toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
            connection.setReadTimeout(READ_TIMEOUT_MILLIS);
            connection.setRequestMethod(method);
            connection.setUseCaches(false);
            if (token != null) {
                connection.setRequestProperty(StatusServer.TOKEN_HEADER, token);
                connection.setDoOutput(true);
                connection.getOutputStream().close();
            }
            code = connection.getResponseCode();
            InputStream in = code >= 400 ? connection.getErrorStream() : connection.getInputStream();
            body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("Could not reach proxy-core's status endpoint " + hostPort(endpoint) + " ("
                    + e.getMessage() + "); nothing was " + (method.equals("GET") ? "shown" : "changed")
                    + ". Is proxy-core running with --status " + hostPort(endpoint) + "?", e);
        }
        if (code / 100 != 2) {
            Object answer;
            try {
                answer = Json.parse(body);
            } catch (IllegalArgumentException e) {
                answer = null;
            }
            Object error = answer instanceof Map<?, ?> m ? m.get("error") : null;
            throw new IOException("The status endpoint " + hostPort(endpoint) + " answered HTTP " + code + ": "
                    + (error != null ? error : body.strip()));
        }
        return body;
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
