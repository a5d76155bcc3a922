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
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5Address;
import org.streamiso.proxy.relay.IsolationPolicy;
import org.streamiso.proxy.relay.ListenerConfig;
import org.streamiso.proxy.relay.RelayConfig;
import org.streamiso.proxy.tor.TorLaunch;
import picocli.CommandLine;
import picocli.CommandLine.MaxValuesExceededException;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command line of proxy-core: picocli reads the options (and the {@code status}, {@code renew}, {@code newnym}
 * and {@code completion} commands) as {@link #spec()} declares them, then {@link #from(ParseResult)} checks and
 * converts their values. Every bad value fails with {@code --option: value (expected: constraint)}.
 */
public final class Options {

    private static final String[] DESCRIPTION = {
        "A SOCKS5 front for Tor: every stream goes through a Tor SocksPort with isolation credentials that",
        "combine the client's own key with the listening port's policy; nothing goes anywhere else. A",
        "client's key is its password when its username is <torS0X>0 (Tor proposal 351: the isolation",
        "string that the streamiso agent sends), else its username; other usernames that start with",
        "<torS0X> are refused, as tor 0.4.9 refuses them. DURATION is a number with ms, s or m, e.g.",
        "500ms, 10s, 5m."};

    /** Thrown for a bad command line; its message is {@code --name: value (expected: ...)}. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        /** A close match of a mistyped option or command ("did you mean"), or null. */
        final String suggestion;

        UsageException(String message) {
            this(message, null);
        }

        UsageException(String message, String suggestion) {
            super(message);
            this.suggestion = suggestion;
        }
    }

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

    /**
     * The options of a run, in the order {@code --help} lists them, and the commands. Built with picocli's
     * programmatic API rather than from annotated fields: reading annotations (their proxies, generic signatures)
     * cost about 120 ms of CPU more at every start, for the same model.
     */
    static CommandSpec spec() {
        CommandSpec spec = CommandSpec.create().name("proxy-core");
        spec.usageMessage().width(100).description(DESCRIPTION);
        spec.addOption(repeatable("--listen", "IP:PORT[,isolate=POLICY][,password-file=FILE]",
                "A SOCKS5 port to listen on; repeatable. Default: 127.0.0.1:9159. POLICY is client, dest-addr,"
                + " dest-port or dest-addr-port (default: Whonix's preset for ports 9169, 9179, 9189, else client)."
                + " With password-file, clients must send that password (RFC 1929) and their username is their"
                + " isolation key (so username <torS0X>0 is refused there); a non-loopback IP requires it."));
        spec.addOption(flag("--whonix-ports",
                "Listen on 127.0.0.1:9159 (client), 9169 (dest-addr), 9179 (dest-port) and 9189 (dest-addr-port),"
                + " besides any --listen."));
        spec.addOption(repeatable("--tor-socks", "IP:PORT",
                "A Tor SocksPort to relay through; repeatable: streams are spread over them and a failed one is"
                + " tried last. Default: 127.0.0.1:9050. The only addresses proxy-core connects to for a client."));
        spec.addOption(value("--tor-control", "IP:PORT",
                "Tor's ControlPort: bootstrap progress, and the circuit audit from STREAM and CIRC events."));
        spec.addOption(value("--tor-cookie", "FILE",
                "The ControlPort's cookie, tor's DataDirectory/control_auth_cookie."));
        spec.addOption(value("--tor-control-password-file", "FILE",
                "A file whose first line is the ControlPort password (HashedControlPassword)."));
        // Its N is optional: --launch-tor alone is 1, a following argument is N only if it is a number.
        spec.addOption(OptionSpec.builder("--launch-tor").paramLabel("N").arity("0..1").type(String.class)
                .parameterConsumer(new LaunchCount()).description(
                "Start and supervise N tor daemons of proxy-core's own (default 1, at most 8) instead of using"
                + " --tor-socks: each with a generated torrc (SocksPort on a free loopback port with"
                + " KeepAliveIsolateSOCKSAuth, a cookie-authenticated ControlPort, its own DataDirectory), shown"
                + " bootstrapping, restarted when it dies (clients get " + Socks5CommandStatus.FAILURE
                + " meanwhile) and stopped on exit. Isolation keys are spread over the daemons, each key sticking to"
                + " one. Needs the tor program (apt-get install tor); never implied.").build());
        spec.addOption(value("--tor-data-dir", "DIR",
                "With --launch-tor: where each daemon's directory goes (tor-1, tor-2, ...; mode 0700), kept between"
                + " runs. Default: ~/.cache/streamiso/proxy-core-tor ($XDG_CACHE_HOME if set)."));
        spec.addOption(repeatable("--tor-config", "FILE",
                "With --launch-tor: a torrc file to %%include in each daemon's torrc (Bridge lines, or a private"
                + " network's DirAuthority lines); repeatable. It must not set SocksPort, ControlPort,"
                + " DataDirectory or the other options proxy-core sets."));
        spec.addOption(value("--tor-binary", "FILE",
                "With --launch-tor: the tor program. Default: tor on PATH."));
        spec.addOption(value("--tor-stall-timeout", "DURATION",
                "With --launch-tor: how long a bootstrap may make no progress before proxy-core gives up (at start)"
                + " or restarts that tor (later), with Tor's last warning. Default: 60s."));
        spec.addOption(value("--status", "IP:PORT",
                "Serve the status endpoint on this loopback address: GET /status (JSON), POST /renew?key=KEY (or"
                + " ?no-key), POST /newnym. Off by default. The status, renew and newnym commands read it."));
        spec.addOption(value("--handshake-timeout", "DURATION",
                "How long a client may take to send its SOCKS request. Default: 10s."));
        spec.addOption(value("--connect-timeout", "DURATION",
                "How long a Tor SocksPort may take to accept a connection and the credentials before the next is"
                + " tried. Default: 5s."));
        spec.addOption(value("--reply-timeout", "DURATION",
                "How long Tor may take to answer a request; then the client gets " + Socks5CommandStatus.TTL_EXPIRED
                + ". Default: 130s."));
        spec.addOption(value("--stall-timeout", "DURATION",
                "How long bytes may wait for a peer that reads nothing before the stream is closed. Default: 300s."));
        spec.addOption(value("--max-streams", "N",
                "Streams open at once. When all are open, a new client takes the place of the oldest client still"
                + " in its SOCKS handshake (that one is closed); only when every stream is past its handshake is"
                + " the new client closed at accept. Both are counted in the status. Default: 10000."));
        spec.addOption(value("--selector-threads", "N", "Threads that relay streams; each stream stays on one."
                + " Default: one per core (" + RelayConfig.DEFAULT_SELECTOR_THREADS + " here)."));
        spec.addOption(flag("--unsafe-logging",
                "Print destinations and isolation keys instead of [scrubbed]."));
        spec.addOption(flag("--debug",
                "Log every refused or failed stream."));
        spec.addOption(help());
        spec.addSubcommand("status", StatusCommand.spec("status"));
        spec.addSubcommand("renew", StatusCommand.spec("renew"));
        spec.addSubcommand("newnym", StatusCommand.spec("newnym"));
        spec.addSubcommand("completion", completionSpec());
        return spec;
    }

    private static OptionSpec value(String name, String label, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(String.class).description(description).build();
    }

    private static OptionSpec repeatable(String name, String label, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(List.class).auxiliaryTypes(String.class)
                .description(description).build();
    }

    static OptionSpec flag(String name, String description) {
        return OptionSpec.builder(name).arity("0").type(boolean.class).description(description).build();
    }

    // The checked values.

    boolean help;
    boolean debug;
    List<ListenerConfig> listeners;
    List<InetSocketAddress> torSocksPorts;
    InetSocketAddress torControl;
    Path torCookie;
    Path torControlPasswordFile;
    InetSocketAddress status;
    RelayConfig relay;
    /** {@code --launch-tor}: the tors to launch, or null to use {@code --tor-socks}. */
    TorLaunch launch;

    /** {@code java -jar proxy-core.jar completion}: prints the bash completion script that picocli generates. */
    private static CommandSpec completionSpec() {
        CommandSpec spec = CommandSpec.create().name("completion");
        spec.usageMessage().width(100).synopsisHeading(StatusCommand.SYNOPSIS_HEADING).customSynopsis("  completion")
                .descriptionHeading("%n").optionListHeading("%nOptions:%n").description(
                "Print a bash completion script for proxy-core (zsh too, after autoload -U bashcompinit &&",
                "bashcompinit): with proxy-core on PATH or alias proxy-core='java -jar .../proxy-core.jar',",
                "run source <(java -jar proxy-core.jar completion), or put its output in",
                "/etc/bash_completion.d/proxy-core.");
        return spec.addOption(help());
    }

    /** {@code --help}, of a run and of each command. */
    static OptionSpec help() {
        return OptionSpec.builder("--help", "-h").usageHelp(true).arity("0").type(boolean.class)
                .description("Print this help and exit.").build();
    }

    /** Takes the argument after {@code --launch-tor} as its N only when it is a number of up to three digits. */
    static final class LaunchCount implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(java.util.Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
            argSpec.setValue(!args.isEmpty() && args.peek().matches("\\d{1,3}") ? args.pop() : "1");
        }
    }

    /** The command line, with its commands. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(spec());
        List<String> standardSections = cli.getHelpSectionKeys();
        cli.setOverwrittenOptionsAllowed(true); // the last of a repeated option counts, as it always did
        cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS, help -> SYNOPSIS);
        cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION,
                help -> String.join("\n", help.commandSpec().usageMessage().description()) + "\n\nOptions:\n");
        cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, Options::optionList);
        cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
                Options::commandList);
        cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, help -> FOOTER);
        cli.setHelpSectionKeys(List.of(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS,
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION,
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST,
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER));
        for (CommandLine command : cli.getSubcommands().values()) { // setHelpSectionKeys reached them too
            command.setHelpSectionKeys(standardSections);
        }
        return cli;
    }

    /**
     * Parses {@code args} against {@code cli}.
     *
     * @throws UsageException for anything picocli does not accept (an unknown option, a missing value)
     */
    static ParseResult parseArgs(CommandLine cli, String[] args) throws UsageException {
        try {
            return cli.parseArgs(args);
        } catch (ParameterException e) {
            throw usage(e, args);
        }
    }

    /**
     * Parses and checks the options of a proxy-core run (no command); with {@code --help} anywhere, only that
     * counts.
     */
    public static Options parse(String[] args) throws UsageException {
        ParseResult parsed = parseArgs(commandLine(), args);
        if (parsed.subcommand() != null) {
            throw new UsageException("option: \"" + parsed.subcommand().commandSpec().name() + "\" (expected: options"
                    + " of a proxy-core run, not a command)");
        }
        return from(parsed);
    }

    /** The options of a run as picocli read them, checked; only {@link #help} with {@code --help}. */
    static Options from(ParseResult parsed) throws UsageException {
        Options options = new Options();
        options.help = parsed.isUsageHelpRequested();
        if (!options.help) {
            options.debug = parsed.hasMatchedOption("--debug");
            options.validate(parsed);
        }
        return options;
    }

    /** Checks the values picocli read and converts them; never resolves a name. */
    private void validate(ParseResult parsed) throws UsageException {
        List<String> listenSpecs = parsed.matchedOptionValue("--listen", List.of());
        List<String> torSocksSpecs = parsed.matchedOptionValue("--tor-socks", List.of());
        String torControlSpec = parsed.matchedOptionValue("--tor-control", null);
        String torCookieSpec = parsed.matchedOptionValue("--tor-cookie", null);
        String torControlPasswordFileSpec = parsed.matchedOptionValue("--tor-control-password-file", null);
        String statusSpec = parsed.matchedOptionValue("--status", null);
        String handshakeSpec = parsed.matchedOptionValue("--handshake-timeout", null);
        String connectSpec = parsed.matchedOptionValue("--connect-timeout", null);
        String replySpec = parsed.matchedOptionValue("--reply-timeout", null);
        String stallSpec = parsed.matchedOptionValue("--stall-timeout", null);
        String maxStreamsSpec = parsed.matchedOptionValue("--max-streams", null);
        String selectorThreadsSpec = parsed.matchedOptionValue("--selector-threads", null);

        List<InetSocketAddress> socksPorts = new ArrayList<>();
        for (String spec : torSocksSpecs) {
            socksPorts.add(parseAddress("--tor-socks", spec));
        }
        torControl = torControlSpec != null ? parseAddress("--tor-control", torControlSpec) : null;
        torCookie = torCookieSpec != null ? Path.of(torCookieSpec) : null;
        torControlPasswordFile = torControlPasswordFileSpec != null ? Path.of(torControlPasswordFileSpec) : null;
        status = statusSpec != null ? parseStatusAddress(statusSpec) : null;
        Duration handshake = duration("--handshake-timeout", handshakeSpec, RelayConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        Duration connect = duration("--connect-timeout", connectSpec, RelayConfig.DEFAULT_CONNECT_TIMEOUT);
        Duration reply = duration("--reply-timeout", replySpec, RelayConfig.DEFAULT_REPLY_TIMEOUT);
        Duration stall = duration("--stall-timeout", stallSpec, RelayConfig.DEFAULT_STALL_TIMEOUT);
        int maxStreams = maxStreamsSpec != null ? parseCount("--max-streams", maxStreamsSpec)
                : RelayConfig.DEFAULT_MAX_STREAMS;
        int selectorThreads = selectorThreadsSpec != null ? parseSelectorThreads("--selector-threads",
                selectorThreadsSpec) : RelayConfig.DEFAULT_SELECTOR_THREADS;
        TorLaunch launchArgs = launch(parsed, !socksPorts.isEmpty(), torControl != null);

        List<ListenerConfig> listening = new ArrayList<>();
        for (String spec : listenSpecs) {
            listening.add(parseListener(spec));
        }
        if (parsed.hasMatchedOption("--whonix-ports")) {
            for (int port : WHONIX_PORTS) {
                listening.add(ListenerConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
            }
        }
        if (listening.isEmpty()) {
            listening.add(ListenerConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9159)));
        }
        if (socksPorts.isEmpty()) {
            socksPorts.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9050));
        }
        if (torCookie != null && torControlPasswordFile != null) {
            throw new UsageException("--tor-control-password-file: \"" + torControlPasswordFile
                    + "\" (expected: either --tor-cookie or --tor-control-password-file, not both)");
        }
        if ((torCookie != null || torControlPasswordFile != null) && torControl == null) {
            throw new UsageException("--tor-control: nothing (expected: IP:PORT when --tor-cookie or"
                    + " --tor-control-password-file is given)");
        }
        listeners = listening;
        torSocksPorts = socksPorts;
        relay = new RelayConfig(listening, socksPorts, handshake, connect, reply, stall, maxStreams,
                RelayConfig.DEFAULT_BUFFER_SIZE, parsed.hasMatchedOption("--unsafe-logging"), selectorThreads);
        launch = launchArgs;
    }

    /** {@code --launch-tor [N]} and the options that go with it: the tors to launch, or null. */
    private static TorLaunch launch(ParseResult parsed, boolean socksPortsGiven, boolean controlGiven)
            throws UsageException {
        // LaunchCount sets the value itself, which picocli does not count as a match: read the option.
        String launchCount = parsed.commandSpec().findOption("--launch-tor").getValue();
        String torDataDirSpec = parsed.matchedOptionValue("--tor-data-dir", null);
        List<String> torConfigSpecs = parsed.matchedOptionValue("--tor-config", List.of());
        String torBinarySpec = parsed.matchedOptionValue("--tor-binary", null);
        String torStallSpec = parsed.matchedOptionValue("--tor-stall-timeout", null);
        Duration torStall = duration("--tor-stall-timeout", torStallSpec, TorLaunch.DEFAULT_STALL_TIMEOUT);
        List<Path> configs = new ArrayList<>();
        for (String config : torConfigSpecs) {
            configs.add(readTorConfig(config));
        }
        if (launchCount == null) {
            String without = torDataDirSpec != null ? "--tor-data-dir" : !torConfigSpecs.isEmpty() ? "--tor-config"
                    : torBinarySpec != null ? "--tor-binary" : torStallSpec != null ? "--tor-stall-timeout" : null;
            if (without != null) {
                throw new UsageException(without + ": given without --launch-tor (expected: --launch-tor as well,"
                        + " or leave it out)");
            }
            return null;
        }
        if (!launchCount.matches("\\d{1,3}") || Integer.parseInt(launchCount) < 1
                || Integer.parseInt(launchCount) > TorLaunch.MAX_COUNT) {
            throw new UsageException("--launch-tor: \"" + launchCount + "\" (expected: nothing, or 1-"
                    + TorLaunch.MAX_COUNT + " tor daemons)");
        }
        if (socksPortsGiven || controlGiven) {
            throw new UsageException((socksPortsGiven ? "--tor-socks" : "--tor-control") + ": given with"
                    + " --launch-tor (expected: one of them: --launch-tor starts its own tor and knows its ports)");
        }
        return new TorLaunch(Integer.parseInt(launchCount), torBinarySpec != null ? Path.of(torBinarySpec) : null,
                torDataDirSpec != null ? Path.of(torDataDirSpec) : TorLaunch.defaultDataRoot(), configs, torStall);
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
        // An IPv6 literal only in brackets, an IPv4 one bare: Socks5Address parses them and never looks anything up.
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        byte[] literal = bracketed || host.indexOf(':') < 0 ? Socks5Address.parseLiteral(host) : null;
        if (literal == null || literal.length != (bracketed ? 16 : 4)) {
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
            return new InetSocketAddress(InetAddress.getByAddress(literal), port);
        } catch (UnknownHostException e) {
            throw new UsageException(option + ": \"" + value + "\"" + expected);
        }
    }

    private static Duration duration(String option, String value, Duration absent) throws UsageException {
        return value != null ? parseDuration(option, value) : absent;
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

    /**
     * A picocli refusal in our words: {@code option: "--frobnicate" (expected: one of ...)} with picocli's close
     * matches as the suggestion, {@code --listen: nothing (expected: IP:PORT...)}, {@code --debug: "x" (expected:
     * no value)}.
     */
    static UsageException usage(ParameterException e, String[] args) {
        CommandSpec command = e.getCommandLine().getCommandSpec();
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            if (List.of(args).contains("--launch-tor=" + unmatched.getUnmatched().get(0))) {
                // LaunchCount left a non-number where it takes N only if it is one.
                return new UsageException("--launch-tor: \"" + unmatched.getUnmatched().get(0) + "\" (expected:"
                        + " nothing, or 1-" + TorLaunch.MAX_COUNT + " tor daemons)");
            }
            List<String> suggestions = unmatched.getSuggestions(); // closest first
            suggestions = suggestions.subList(0, Math.min(3, suggestions.size()));
            return new UsageException("option: \"" + unmatched.getUnmatched().get(0) + "\" (expected: "
                    + (command.parent() == null ? "one of " + names(command) + "; or a command: "
                    + String.join(", ", command.subcommands().keySet()) : StatusCommand.expected(command.name())) + ")",
                    suggestions.isEmpty() ? null : "Did you mean " + String.join(" or ", suggestions) + "?");
        }
        if (e instanceof MissingParameterException missing && !missing.getMissing().isEmpty()
                && missing.getMissing().get(0) instanceof OptionSpec option) {
            return new UsageException(option.longestName() + ": nothing (expected: " + option.paramLabel() + ")");
        }
        if (e instanceof MaxValuesExceededException) {
            for (String arg : args) {
                int eq = arg.indexOf('=');
                OptionSpec option = eq > 0 ? command.findOption(arg.substring(0, eq)) : null;
                if (option != null && option.arity().max() == 0) {
                    return new UsageException(option.longestName() + ": \"" + arg.substring(eq + 1)
                            + "\" (expected: no value)");
                }
            }
        }
        return new UsageException(e.getMessage());
    }

    private static String names(CommandSpec command) {
        List<String> names = new ArrayList<>();
        for (OptionSpec option : command.options()) {
            names.add(option.longestName());
        }
        return String.join(", ", names);
    }

    private static final String SYNOPSIS = """
            Usage: java -jar proxy-core.jar [OPTION]...
                   java -jar proxy-core.jar status|renew|newnym --status IP:PORT [--key KEY|--no-key]
                   java -jar proxy-core.jar completion

            """;

    private static final String FOOTER = "\n" + EXIT_CODES
            + "\nWith the Debian tor package, this is the whole set-up (Whonix's four ports, tor of its own):\n"
            + "  java -jar proxy-core/target/proxy-core.jar --launch-tor --whonix-ports\n"
            + "\nExample:\n  java -jar proxy-core/target/proxy-core.jar --whonix-ports --tor-socks 127.0.0.1:9050 \\\n"
            + "      --tor-control 127.0.0.1:9051 --tor-cookie /var/lib/tor/control_auth_cookie\n";

    /** {@code --help}'s options: each name and argument on a line, its description wrapped below. */
    private static String optionList(CommandLine.Help help) {
        StringBuilder sb = new StringBuilder();
        for (OptionSpec option : help.commandSpec().options()) {
            sb.append("  ").append(option.longestName());
            if (option.arity().max() > 0) {
                String label = option.paramLabel();
                sb.append(' ').append(option.arity().min() == 0 ? "[" + label + "]" : label);
            }
            sb.append('\n').append(wrap(String.join(" ", option.renderedDescription()), "      ", 100));
        }
        return sb.toString();
    }

    /** {@code --help}'s commands: each form of each command, its description wrapped below. */
    private static String commandList(CommandLine.Help help) {
        StringBuilder sb = new StringBuilder("\nCommands, for a proxy-core running with --status IP:PORT:\n");
        for (CommandLine sub : help.commandSpec().subcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.name().equals("completion")) {
                sb.append("\nShell completion:\n");
            }
            String[] forms = spec.usageMessage().customSynopsis().length > 0 ? spec.usageMessage().customSynopsis()
                    : new String[] {spec.name()};
            forms = Arrays.stream(forms).map(String::strip).toArray(String[]::new);
            String[] descriptions = spec.usageMessage().description();
            for (int i = 0; i < forms.length; i++) {
                sb.append("  ").append(forms[i]).append('\n');
                sb.append(wrap(forms.length == 1 ? String.join(" ", descriptions) : descriptions[i], "      ", 97));
            }
        }
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
}
