package org.streamiso.proxy.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamiso.proxy.relay.IsolationPolicy;
import org.streamiso.proxy.relay.ListenerConfig;
import org.streamiso.proxy.relay.RelayConfig;
import org.streamiso.proxy.tor.TorLaunch;

/**
 * The command line of proxy-core, parsed and checked. Every bad value fails with
 * {@code --option: value (expected: constraint)}.
 */
public final class Options {

    /** Thrown for a bad command line; its message is {@code --name: value (expected: ...)}. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** One option as {@code --help} lists it. */
    record Option(String name, String argument, String description) {
    }

    static final List<Option> OPTIONS = List.of(
            new Option("--listen", "IP:PORT[,isolate=POLICY][,password-file=FILE]",
                    "A SOCKS5 port to listen on; repeatable. Default: 127.0.0.1:9159. POLICY is client,"
                    + " dest-addr, dest-port or dest-addr-port (default: Whonix's preset for ports 9169, 9179, 9189,"
                    + " else client). With password-file, clients must send that password (RFC 1929) and their"
                    + " username is their isolation key (so username <torS0X>0 is refused there); a non-loopback IP"
                    + " requires it."),
            new Option("--whonix-ports", null,
                    "Listen on 127.0.0.1:9159 (client), 9169 (dest-addr), 9179 (dest-port) and 9189"
                    + " (dest-addr-port), besides any --listen."),
            new Option("--tor-socks", "IP:PORT",
                    "A Tor SocksPort to relay through; repeatable: streams are spread over them and a failed one is"
                    + " tried last. Default: 127.0.0.1:9050. The only addresses proxy-core connects to for a client."),
            new Option("--tor-control", "IP:PORT",
                    "Tor's ControlPort: bootstrap progress, and the circuit audit from STREAM and CIRC events."),
            new Option("--tor-cookie", "FILE",
                    "The ControlPort's cookie, tor's DataDirectory/control_auth_cookie."),
            new Option("--tor-control-password-file", "FILE",
                    "A file whose first line is the ControlPort password (HashedControlPassword)."),
            new Option("--launch-tor", "[N]",
                    "Start and supervise N tor daemons of proxy-core's own (default 1, at most 8) instead of using"
                    + " --tor-socks: each with a generated torrc (SocksPort on a free loopback port with"
                    + " KeepAliveIsolateSOCKSAuth, a cookie-authenticated ControlPort, its own DataDirectory), shown"
                    + " bootstrapping, restarted when it dies (clients get SOCKS reply 0x01 meanwhile) and stopped on"
                    + " exit. Isolation keys are spread over the daemons, each key sticking to one. Needs the tor"
                    + " program (apt-get install tor); never implied."),
            new Option("--tor-data-dir", "DIR",
                    "With --launch-tor: where each daemon's directory goes (tor-1, tor-2, ...; mode 0700), kept"
                    + " between runs. Default: ~/.cache/streamiso/proxy-core-tor ($XDG_CACHE_HOME if set)."),
            new Option("--tor-config", "FILE",
                    "With --launch-tor: a torrc file to %include in each daemon's torrc (Bridge lines, or a private"
                    + " network's DirAuthority lines); repeatable. It must not set SocksPort, ControlPort,"
                    + " DataDirectory or the other options proxy-core sets."),
            new Option("--tor-binary", "FILE", "With --launch-tor: the tor program. Default: tor on PATH."),
            new Option("--tor-stall-timeout", "DURATION",
                    "With --launch-tor: how long a bootstrap may make no progress before proxy-core gives up (at"
                    + " start) or restarts that tor (later), with Tor's last warning. Default: 60s."),
            new Option("--status", "IP:PORT",
                    "Serve the status endpoint on this loopback address: GET /status (JSON), POST /renew?key=KEY"
                    + " (or ?no-key),"
                    + " POST /newnym. Off by default. The status, renew and newnym commands read it."),
            new Option("--handshake-timeout", "DURATION",
                    "How long a client may take to send its SOCKS request. Default: 10s."),
            new Option("--connect-timeout", "DURATION",
                    "How long a Tor SocksPort may take to accept a connection and the credentials before the next"
                    + " is tried. Default: 5s."),
            new Option("--reply-timeout", "DURATION",
                    "How long Tor may take to answer a request; then the client gets reply 0x06. Default: 130s."),
            new Option("--stall-timeout", "DURATION",
                    "How long bytes may wait for a peer that reads nothing before the stream is closed."
                    + " Default: 300s."),
            new Option("--max-streams", "N", "Streams open at once. When all are open, a new client takes the"
                    + " place of the oldest client still in its SOCKS handshake (that one is closed); only when every"
                    + " stream is past its handshake is the new client closed at accept. Both are counted in the"
                    + " status. Default: 10000."),
            new Option("--selector-threads", "N", "Threads that relay streams; each stream stays on one. Default: one"
                    + " per core (" + RelayConfig.DEFAULT_SELECTOR_THREADS + " here)."),
            new Option("--unsafe-logging", null, "Print destinations and isolation keys instead of [scrubbed]."),
            new Option("--debug", null, "Log every refused or failed stream."),
            new Option("--help", null, "Print this help and exit."));

    static final String EXIT_CODES = """
            Exit codes:
              0  --help
              1  relaying failed after start-up (see the log)
              2  bad command line
              3  a --listen or --status address could not be bound
              4  Tor's ControlPort could not be reached or refused authentication
              5  (status, renew, newnym) the status endpoint could not be reached or answered an error
              6  (--launch-tor) tor could not be started or did not bootstrap
              130, 143  stopped by SIGINT or SIGTERM (the JVM's usual codes), after closing every stream
            """;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");
    private static final List<Integer> WHONIX_PORTS = List.of(9159, 9169, 9179, 9189);

    final List<ListenerConfig> listeners;
    final List<InetSocketAddress> torSocksPorts;
    final InetSocketAddress torControl;
    final Path torCookie;
    final Path torControlPasswordFile;
    final InetSocketAddress status;
    final RelayConfig relay;
    final boolean debug;
    final boolean help;
    /** {@code --launch-tor}: the tors to launch, or null to use {@code --tor-socks}. */
    TorLaunch launch;

    private Options(List<ListenerConfig> listeners, List<InetSocketAddress> torSocksPorts, InetSocketAddress torControl,
            Path torCookie, Path torControlPasswordFile, InetSocketAddress status, RelayConfig relay, boolean debug,
            boolean help) {
        this.listeners = listeners;
        this.torSocksPorts = torSocksPorts;
        this.torControl = torControl;
        this.torCookie = torCookie;
        this.torControlPasswordFile = torControlPasswordFile;
        this.status = status;
        this.relay = relay;
        this.debug = debug;
        this.help = help;
    }

    /** Parses {@code args}; with {@code --help} anywhere, only that counts. */
    public static Options parse(String[] args) throws UsageException {
        for (String arg : args) {
            if ("--help".equals(arg) || "-h".equals(arg)) {
                return new Options(List.of(), List.of(), null, null, null, null, null, false, true);
            }
        }
        List<String> listenSpecs = new ArrayList<>();
        List<InetSocketAddress> socksPorts = new ArrayList<>();
        InetSocketAddress control = null;
        Path cookie = null;
        Path controlPasswordFile = null;
        InetSocketAddress status = null;
        Duration handshake = RelayConfig.DEFAULT_HANDSHAKE_TIMEOUT;
        Duration connect = RelayConfig.DEFAULT_CONNECT_TIMEOUT;
        Duration reply = RelayConfig.DEFAULT_REPLY_TIMEOUT;
        Duration stall = RelayConfig.DEFAULT_STALL_TIMEOUT;
        int maxStreams = RelayConfig.DEFAULT_MAX_STREAMS;
        int selectorThreads = RelayConfig.DEFAULT_SELECTOR_THREADS;
        boolean unsafe = false;
        boolean debug = false;
        boolean whonix = false;
        LaunchArgs launchArgs = new LaunchArgs();

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = optionName(arg);
            String inlineValue = inlineValue(arg);
            if ("--launch-tor".equals(name)) { // its N is optional
                i = launchArgs.count(args, i, inlineValue);
                continue;
            }
            Option option = find(name);
            if (option == null) {
                throw new UsageException("option: \"" + arg + "\" (expected: one of " + names() + ")");
            }
            String value = null;
            if (option.argument() != null) {
                if (inlineValue != null) {
                    value = inlineValue;
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException(name + ": nothing (expected: " + option.argument() + ")");
                }
            } else if (inlineValue != null) {
                throw new UsageException(name + ": \"" + inlineValue + "\" (expected: no value)");
            }
            switch (name) {
                case "--listen" -> listenSpecs.add(value);
                case "--whonix-ports" -> whonix = true;
                case "--tor-socks" -> socksPorts.add(parseAddress(name, value));
                case "--tor-control" -> control = parseAddress(name, value);
                case "--tor-cookie" -> cookie = Path.of(value);
                case "--tor-control-password-file" -> controlPasswordFile = Path.of(value);
                case "--status" -> status = parseStatusAddress(value);
                case "--handshake-timeout" -> handshake = parseDuration(name, value);
                case "--connect-timeout" -> connect = parseDuration(name, value);
                case "--reply-timeout" -> reply = parseDuration(name, value);
                case "--stall-timeout" -> stall = parseDuration(name, value);
                case "--max-streams" -> maxStreams = parseCount(name, value);
                case "--selector-threads" -> selectorThreads = parseSelectorThreads(name, value);
                case "--unsafe-logging" -> unsafe = true;
                case "--debug" -> debug = true;
                case "--tor-data-dir", "--tor-config", "--tor-binary", "--tor-stall-timeout" -> launchArgs.set(name, value);
                default -> throw new IllegalStateException("option " + name + " is listed but not handled");
            }
        }

        List<ListenerConfig> listeners = new ArrayList<>();
        for (String spec : listenSpecs) {
            listeners.add(parseListener(spec));
        }
        if (whonix) {
            for (int port : WHONIX_PORTS) {
                listeners.add(ListenerConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
            }
        }
        if (listeners.isEmpty()) {
            listeners.add(ListenerConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9159)));
        }
        boolean explicitSocksPorts = !socksPorts.isEmpty();
        if (socksPorts.isEmpty()) {
            socksPorts.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9050));
        }
        if (cookie != null && controlPasswordFile != null) {
            throw new UsageException("--tor-control-password-file: \"" + controlPasswordFile
                    + "\" (expected: either --tor-cookie or --tor-control-password-file, not both)");
        }
        if ((cookie != null || controlPasswordFile != null) && control == null) {
            throw new UsageException("--tor-control: nothing (expected: IP:PORT when --tor-cookie or"
                    + " --tor-control-password-file is given)");
        }
        RelayConfig relay = new RelayConfig(listeners, socksPorts, handshake, connect, reply, stall, maxStreams,
                RelayConfig.DEFAULT_BUFFER_SIZE, unsafe, selectorThreads);
        Options options = new Options(listeners, socksPorts, control, cookie, controlPasswordFile, status, relay,
                debug, false);
        options.launch = launchArgs.build(explicitSocksPorts, control != null);
        return options;
    }

    /** {@code --launch-tor [N]} and the options that go with it. */
    private static final class LaunchArgs {
        int count;
        Path dataDir;
        final List<Path> configs = new ArrayList<>();
        Path binary;
        Duration stall = TorLaunch.DEFAULT_STALL_TIMEOUT;
        String firstWithoutLaunch;

        /** Reads {@code --launch-tor} at {@code i} and its optional N; returns the index of its last argument. */
        int count(String[] args, int i, String inlineValue) throws UsageException {
            String value = inlineValue;
            if (value == null && i + 1 < args.length && args[i + 1].matches("\\d{1,3}")) {
                value = args[++i];
            }
            if (value == null) {
                count = 1;
            } else if (value.matches("\\d{1,3}") && Integer.parseInt(value) >= 1
                    && Integer.parseInt(value) <= TorLaunch.MAX_COUNT) {
                count = Integer.parseInt(value);
            } else {
                throw new UsageException("--launch-tor: \"" + value + "\" (expected: nothing, or 1-"
                        + TorLaunch.MAX_COUNT + " tor daemons)");
            }
            return i;
        }

        void set(String name, String value) throws UsageException {
            if (firstWithoutLaunch == null) {
                firstWithoutLaunch = name;
            }
            switch (name) {
                case "--tor-data-dir" -> dataDir = Path.of(value);
                case "--tor-config" -> configs.add(readTorConfig(value));
                case "--tor-binary" -> binary = Path.of(value);
                default -> stall = parseDuration(name, value);
            }
        }

        TorLaunch build(boolean socksPortsGiven, boolean controlGiven) throws UsageException {
            if (count == 0) {
                if (firstWithoutLaunch != null) {
                    throw new UsageException(firstWithoutLaunch + ": given without --launch-tor (expected:"
                            + " --launch-tor as well, or leave it out)");
                }
                return null;
            }
            if (socksPortsGiven || controlGiven) {
                throw new UsageException((socksPortsGiven ? "--tor-socks" : "--tor-control") + ": given with"
                        + " --launch-tor (expected: one of them: --launch-tor starts its own tor and knows its ports)");
            }
            return new TorLaunch(count, binary, dataDir != null ? dataDir : TorLaunch.defaultDataRoot(), configs,
                    stall);
        }

        private static Path readTorConfig(String value) throws UsageException {
            Path file = Path.of(value);
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UsageException("--tor-config: \"" + value + "\" (expected: a readable torrc file; "
                        + e.getMessage() + ")");
            }
            List<String> reserved = TorLaunch.reservedOptionsIn(lines);
            if (!reserved.isEmpty()) {
                throw new UsageException("--tor-config: \"" + value + "\" (expected: a torrc without "
                        + String.join(", ", reserved) + ", which proxy-core sets itself)");
            }
            return file.toAbsolutePath();
        }
    }

    /** {@code --status}: a loopback IP:PORT (port 0 picks a free one); the endpoint has no password. */
    static InetSocketAddress parseStatusAddress(String value) throws UsageException {
        InetSocketAddress address = parseAddress("--status", value, true);
        if (!address.getAddress().isLoopbackAddress()) {
            throw new UsageException("--status: \"" + value + "\" (expected: a loopback address such as"
                    + " 127.0.0.1:9158; the status endpoint has no password and must not be reachable from the"
                    + " network)");
        }
        return address;
    }

    private static ListenerConfig parseListener(String spec) throws UsageException {
        String[] parts = spec.split(",");
        InetSocketAddress address = parseAddress("--listen", parts[0], true);
        IsolationPolicy policy = IsolationPolicy.presetFor(address.getPort());
        String password = null;
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i];
            if (part.startsWith("isolate=")) {
                try {
                    policy = IsolationPolicy.fromOptionName(part.substring("isolate=".length()));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--listen: \"" + spec + "\" (expected: isolate=" + IsolationPolicy.optionNames()
                            + ")");
                }
            } else if (part.startsWith("password-file=")) {
                password = readPassword("--listen", spec, Path.of(part.substring("password-file=".length())));
            } else {
                throw new UsageException("--listen: \"" + spec
                        + "\" (expected: IP:PORT[,isolate=POLICY][,password-file=FILE])");
            }
        }
        if (!address.getAddress().isLoopbackAddress() && password == null) {
            throw new UsageException("--listen: \"" + spec + "\" (expected: a loopback address such as 127.0.0.1,"
                    + " or password-file=FILE so that clients on the network must authenticate)");
        }
        return new ListenerConfig(address, policy, password);
    }

    /** The first line of {@code file}, 1-255 ISO-8859-1 characters. */
    static String readPassword(String option, String shownValue, Path file) throws UsageException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UsageException(option + ": \"" + shownValue + "\" (expected: a readable password file; "
                    + file + ": " + e.getMessage() + ")");
        }
        int newline = text.indexOf('\n');
        String line = (newline >= 0 ? text.substring(0, newline) : text).replace("\r", "");
        if (line.isEmpty() || line.length() > 255) {
            throw new UsageException(option + ": \"" + shownValue + "\" (expected: a file whose first line is a"
                    + " password of 1-255 characters)");
        }
        return line;
    }

    /**
     * Parses {@code 127.0.0.1:9050} or {@code [::1]:9050}; never resolves a name.
     */
    static InetSocketAddress parseAddress(String option, String value) throws UsageException {
        return parseAddress(option, value, false);
    }

    /** As {@link #parseAddress(String, String)}; with {@code anyPort}, port 0 (a free port) is allowed too. */
    static InetSocketAddress parseAddress(String option, String value, boolean anyPort) throws UsageException {
        String expected = " (expected: IP:PORT with an IP literal, e.g. 127.0.0.1:9050 or [::1]:9050)";
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException(option + ": \"" + value + "\"" + expected);
        }
        String host = value.substring(0, colon);
        String portText = value.substring(colon + 1);
        // Only literals get past these checks, so InetAddress.getByName below parses and never looks anything up.
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (host.indexOf(':') < 0 || !host.matches("[0-9A-Fa-f:.]+")) {
                throw new UsageException(option + ": \"" + value + "\"" + expected);
            }
        } else if (!isIpv4Literal(host)) {
            throw new UsageException(option + ": \"" + value + "\"" + expected);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < (anyPort ? 0 : 1) || port > 65535) {
            throw new UsageException(option + ": \"" + value + "\" (expected: a port of "
                    + (anyPort ? "0-65535, 0 for any free port" : "1-65535") + ")");
        }
        try {
            // A literal: InetAddress parses it without any lookup.
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new UsageException(option + ": \"" + value + "\"" + expected);
        }
    }

    private static boolean isIpv4Literal(String host) {
        if (!host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return false;
        }
        for (String octet : host.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    static Duration parseDuration(String option, String value) throws UsageException {
        Matcher m = DURATION.matcher(value);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new UsageException(option + ": \"" + value + "\" (expected: a positive duration such as 500ms,"
                    + " 10s or 5m)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    private static int parseCount(String option, String value) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= 1_000_000) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // Reported below.
        }
        throw new UsageException(option + ": \"" + value + "\" (expected: 1-1000000)");
    }

    private static int parseSelectorThreads(String option, String value) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= RelayConfig.MAX_SELECTOR_THREADS) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // Reported below.
        }
        throw new UsageException(option + ": \"" + value + "\" (expected: 1-" + RelayConfig.MAX_SELECTOR_THREADS + ")");
    }

    private static Option find(String name) {
        for (Option option : OPTIONS) {
            if (option.name().equals(name)) {
                return option;
            }
        }
        return null;
    }

    private static String names() {
        StringBuilder sb = new StringBuilder();
        for (Option option : OPTIONS) {
            sb.append(sb.length() == 0 ? "" : ", ").append(option.name());
        }
        return sb.toString();
    }

    /** The text of {@code --help}. */
    static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: java -jar proxy-core.jar [OPTION]...\n");
        sb.append("       java -jar proxy-core.jar status|renew|newnym --status IP:PORT [--key KEY|--no-key]\n\n");
        sb.append("A SOCKS5 front for Tor: every stream goes through a Tor SocksPort with isolation credentials that\n");
        sb.append("combine the client's own key with the listening port's policy; nothing goes anywhere else. A\n");
        sb.append("client's key is its password when its username is <torS0X>0 (Tor proposal 351: the isolation\n");
        sb.append("string that the streamiso agent sends), else its username; other usernames that start with\n");
        sb.append("<torS0X> are refused, as tor 0.4.9 refuses them. DURATION is a number with ms, s or m, e.g.\n");
        sb.append("500ms, 10s, 5m.\n\nOptions:\n");
        for (Option option : OPTIONS) {
            sb.append("  ").append(option.name());
            if (option.argument() != null) {
                sb.append(' ').append(option.argument());
            }
            sb.append('\n');
            sb.append(wrap(option.description(), "      ", 100));
        }
        sb.append("""

                Commands, for a proxy-core running with --status IP:PORT:
                  status --status IP:PORT
                      Print client keys by app and isolation kind with their circuits and exits, then clients and
                      keys with their streams, bytes, refusals and the audit.
                  renew --status IP:PORT --key KEY
                      A new identity for one client key: its new streams get new circuits; its open streams and
                      every other key keep theirs. KEY is the password of a client whose SOCKS username is
                      <torS0X>0 (the streamiso agent's isolation string, si1:APP:KIND:DIGEST), else the client's
                      SOCKS username.
                  renew --status IP:PORT --no-key
                      The same for the clients that send no SOCKS credentials (one identity for all of them).
                  newnym --status IP:PORT
                      SIGNAL NEWNYM: new circuits for every new stream of every key (needs --tor-control).
                """);
        sb.append('\n').append(EXIT_CODES);
        sb.append("\nWith the Debian tor package, this is the whole set-up (Whonix's four ports, tor of its own):\n"
                + "  java -jar proxy-core/target/proxy-core.jar --launch-tor --whonix-ports\n");
        sb.append("\nExample:\n  java -jar proxy-core/target/proxy-core.jar --whonix-ports --tor-socks 127.0.0.1:9050 \\\n"
                + "      --tor-control 127.0.0.1:9051 --tor-cookie /var/lib/tor/control_auth_cookie\n");
        return sb.toString();
    }

    private static String wrap(String text, String indent, int width) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() + word.length() + 1 > width && line.length() > indent.length()) {
                out.append(line).append('\n');
                line = new StringBuilder(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.append(line).append('\n');
        return out.toString();
    }

    /** The option of {@code --name=value} or of {@code --name}: {@code --name}. */
    static String optionName(String arg) {
        int eq = arg.indexOf('=');
        return arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
    }

    /** The value of {@code --name=value}, or null when the value is the next argument. */
    static String inlineValue(String arg) {
        int eq = arg.indexOf('=');
        return arg.startsWith("--") && eq > 0 ? arg.substring(eq + 1) : null;
    }
}
