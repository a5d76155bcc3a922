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
import org.streamiso.socks.Socks5Address;
import org.streamiso.proxy.internal.Json;
import org.streamiso.proxy.status.StatusServer;
import org.streamiso.proxy.status.StatusTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code status}, {@code renew} and {@code newnym} commands: one request to a running proxy-core's status
 * endpoint, its answer printed for people. {@code renew} and {@code newnym} first ask {@code GET /token} for the
 * run's token, which every POST must carry. picocli reads their options as {@link #spec(String)} declares
 * them.
 */
final class StatusCommand {
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    static final int READ_TIMEOUT_MILLIS = 15_000;

    static final String STATUS_HELP = "Print client keys by app and isolation kind with their circuits and exits,"
            + " then clients and keys with their streams, bytes, refusals and the audit.";
    static final String RENEW_KEY_HELP = "A new identity for one client key: its new streams get new circuits; its"
            + " open streams and every other key keep theirs. KEY is the password of a client whose SOCKS username"
            + " is <torS0X>0 (the streamiso agent's isolation string, si1:APP:KIND:DIGEST), else the client's SOCKS"
            + " username.";
    static final String RENEW_NO_KEY_HELP = "The same for the clients that send no SOCKS credentials (one identity"
            + " for all of them).";
    static final String NEWNYM_HELP = "SIGNAL NEWNYM: new circuits for every new stream of every key (needs"
            + " --tor-control).";

    /** The headings of each command's own {@code --help}. */
    static final String SYNOPSIS_HEADING = "Usage: java -jar proxy-core.jar%n";

    private StatusCommand() {
    }

    /** The options of {@code command}: status, renew or newnym. */
    static CommandSpec spec(String command) {
        CommandSpec spec = CommandSpec.create().name(command);
        spec.usageMessage().width(100).synopsisHeading(SYNOPSIS_HEADING).descriptionHeading("%n")
                .optionListHeading("%nOptions:%n");
        switch (command) {
            case "status" -> spec.usageMessage().customSynopsis("  status --status IP:PORT").description(STATUS_HELP);
            case "renew" -> spec.usageMessage()
                    .customSynopsis("  renew --status IP:PORT --key KEY", "  renew --status IP:PORT --no-key")
                    .description(RENEW_KEY_HELP, RENEW_NO_KEY_HELP);
            default -> spec.usageMessage().customSynopsis("  newnym --status IP:PORT").description(NEWNYM_HELP);
        }
        spec.addOption(OptionSpec.builder("--status").paramLabel("IP:PORT").type(String.class)
                .description("The status endpoint: a proxy-core started with --status IP:PORT.").build());
        if (command.equals("renew")) {
            spec.addOption(OptionSpec.builder("--key").paramLabel("KEY").type(String.class)
                    .description("The client key to renew.").build());
            spec.addOption(Options.flag("--no-key", "Renew the clients that send no credentials."));
        }
        return spec.addOption(Options.help());
    }

    /** What an unknown option of {@code command} is told it may be. */
    static String expected(String command) {
        return switch (command) {
            case "renew" -> "--status IP:PORT and --key KEY or --no-key after renew";
            case "completion" -> "nothing after completion";
            default -> "--status IP:PORT after " + command;
        };
    }

    /**
     * Runs {@code command} as picocli read it; returns the exit code.
     *
     * @throws Options.UsageException for a missing or bad endpoint or key, before anything is sent
     */
    static int run(ParseResult command, PrintStream out, PrintStream err) throws Options.UsageException {
        String name = command.commandSpec().name();
        String status = command.matchedOptionValue("--status", null);
        if (status == null) {
            throw new Options.UsageException("--status: nothing (expected: IP:PORT of a proxy-core started with"
                    + " --status, e.g. " + name + " --status 127.0.0.1:9158)");
        }
        InetSocketAddress endpoint = Options.parseStatusAddress(status);
        String key = command.matchedOptionValue("--key", null);
        boolean noKey = command.hasMatchedOption("--no-key");
        if (name.equals("renew") && noKey && key != null) {
            throw new Options.UsageException("--key and --no-key: both (expected: one of them: --key KEY"
                    + " renews one client key, --no-key the clients that send no credentials)");
        }
        if (name.equals("renew") && !noKey && (key == null || key.isEmpty())) {
            throw new Options.UsageException("--key: nothing (expected: the client's key: the password of a"
                    + " client whose SOCKS username is <torS0X>0, its isolation string, e.g. renew --status"
                    + " 127.0.0.1:9158 --key si1:shop:thread:0123..., or the SOCKS username of any other, e.g."
                    + " --key alice; or --no-key for the clients that send no credentials)");
        }

        String base = "http://" + Socks5Address.format(endpoint);
        try {
            switch (name) {
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
            Object answer = Json.parse(request("GET", "http://" + Socks5Address.format(endpoint) + "/token", endpoint));
            token = answer instanceof Map<?, ?> m && m.get("token") instanceof String t ? t : null;
            if (token == null) {
                throw new IOException("The status endpoint " + Socks5Address.format(endpoint) + " gave no token (GET /token);"
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
            throw new IOException("Could not reach proxy-core's status endpoint " + Socks5Address.format(endpoint) + " ("
                    + e.getMessage() + "); nothing was " + (method.equals("GET") ? "shown" : "changed")
                    + ". Is proxy-core running with --status " + Socks5Address.format(endpoint) + "?", e);
        }
        if (code / 100 != 2) {
            Object answer;
            try {
                answer = Json.parse(body);
            } catch (IllegalArgumentException e) {
                answer = null;
            }
            Object error = answer instanceof Map<?, ?> m ? m.get("error") : null;
            throw new IOException("The status endpoint " + Socks5Address.format(endpoint) + " answered HTTP " + code + ": "
                    + (error != null ? error : body.strip()));
        }
        return body;
    }

}
