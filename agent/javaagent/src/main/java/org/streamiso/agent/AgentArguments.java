package org.streamiso.agent;

import org.streamiso.socks.Socks5Address;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streamiso.agent.bootstrap.AgentConfig;
import org.streamiso.agent.bootstrap.Bypass;
import org.streamiso.agent.bootstrap.ChildProcesses;
import org.streamiso.agent.bootstrap.Isolation;
import org.streamiso.socks.IsolationString;
import org.streamiso.agent.bootstrap.Log;

/**
 * Parses the agent arguments ({@code -javaagent:streamiso.jar=port=9150,log=info}) and the optional
 * {@code config=FILE}, which holds the same keys one per line; arguments on the command line win over
 * the file. Every mistake is an IllegalArgumentException in the form {@code key: "value" (expected: ...)}.
 */
public final class AgentArguments {
    /** The keys, in the order the README's table lists them. */
    public static final List<String> KEYS = List.of("port", "host", "bypass", "dns", "dns-server", "udp", "isolate", "app",
            "link-jvms", "timeout", "log", "safe-logging", "exec", "config");

    static final int DEFAULT_PORT = 9050;
    static final String DEFAULT_HOST = "127.0.0.1";

    private AgentArguments() {
    }

    /** Parses the argument string given after {@code =} in {@code -javaagent:streamiso.jar=...}; null means none. */
    public static AgentConfig parse(String arguments) {
        Map<String, String> values = split(arguments == null ? "" : arguments, ",", "the agent arguments");
        String file = values.remove("config");
        if (file != null) {
            Map<String, String> fromFile = readFile(file);
            fromFile.putAll(values);
            values = fromFile;
        }
        int port = port(values.getOrDefault("port", Integer.toString(DEFAULT_PORT)));
        InetAddress host = host(values.getOrDefault("host", DEFAULT_HOST));
        Bypass bypass = Bypass.parse(values.getOrDefault("bypass", Bypass.LOOPBACK));
        AgentConfig.Dns dns = dns(values.getOrDefault("dns", "remote"));
        boolean dnsServer = onOff("dns-server", values.getOrDefault("dns-server", "on"));
        AgentConfig.Udp udp = udp(values.getOrDefault("udp", "bypass"));
        int timeout = timeout(values.getOrDefault("timeout", Integer.toString(AgentConfig.DEFAULT_TIMEOUT_SECONDS)));
        Log.Level log = logLevel(values.getOrDefault("log", "warn"));
        boolean safeLogging = safeLogging(values.getOrDefault("safe-logging", "1"));
        java.util.Set<Isolation.Mode> isolate = isolate(values.getOrDefault("isolate", "app"));
        String app = app(values.get("app"));
        byte[] linkSecret = values.containsKey("link-jvms") ? linkSecret(values.get("link-jvms")) : null;
        ChildProcesses.Exec exec = exec(values.getOrDefault("exec", "inherit"));
        return new AgentConfig(new InetSocketAddress(host, port), bypass, dns, udp, log, safeLogging, app, isolate,
                linkSecret, timeout, dnsServer, exec, childArguments(values));
    }

    /**
     * The agent arguments a child JVM gets: every key given (the config file's merged with the command line's, so
     * the child needs no file but {@code link-jvms}), with the {@code link-jvms} path made absolute, since the child
     * may run in another directory; keys left out keep their defaults, so an {@code app} name not given is the
     * child's own. Null when a value holds a comma, which would end the argument.
     */
    static String childArguments(Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String value = e.getValue();
            if (e.getKey().equals("link-jvms")) {
                value = Path.of(value).toAbsolutePath().toString();
            }
            if (value.indexOf(',') >= 0) {
                return null;
            }
            b.append(b.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(value);
        }
        return b.toString();
    }

    private static ChildProcesses.Exec exec(String value) {
        ChildProcesses.Exec exec = ChildProcesses.Exec.of(value.toLowerCase(Locale.ROOT));
        if (exec == null) {
            throw new IllegalArgumentException("exec: \"" + value + "\" (expected: inherit, a child java gets this "
                    + "agent and any other program runs under torsocks; torsocks, every child under torsocks; refuse, "
                    + "no child process; or allow, children start outside Tor, each start logged as a leak)");
        }
        return exec;
    }

    private static boolean onOff(String key, String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "on": return true;
            case "off": return false;
            default: throw new IllegalArgumentException(key + ": \"" + value + "\" (expected: on or off)");
        }
    }

    private static Map<String, String> split(String text, String separator, String where) {
        Map<String, String> values = new LinkedHashMap<>();
        if (text.isBlank()) {
            return values;
        }
        for (String pair : text.split(separator, -1)) {
            String trimmed = pair.trim();
            if (separator.equals("\n") && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("\"" + trimmed + "\": not key=value in " + where
                        + " (expected: key=value pairs, e.g. port=9050,log=info)");
            }
            String key = trimmed.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = trimmed.substring(eq + 1).trim();
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(key + ": \"" + value + "\" is not an argument of streamiso"
                        + " (expected one of: " + String.join(", ", KEYS) + ")");
            }
            if (values.put(key, value) != null) {
                throw new IllegalArgumentException(key + ": given twice in " + where + " (expected: once)");
            }
        }
        return values;
    }

    private static Map<String, String> readFile(String file) {
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("config: \"" + file + "\" (expected: a readable file of key=value lines; "
                    + e + ")");
        }
        Map<String, String> values = split(text, "\n", "config file " + file);
        if (values.containsKey("config")) {
            throw new IllegalArgumentException("config: \"" + values.get("config") + "\" inside config file " + file
                    + " (expected: only on the command line)");
        }
        return values;
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // Reported below with the accepted range.
        }
        throw new IllegalArgumentException("port: \"" + value + "\" (expected: 1-65535)");
    }

    private static java.util.Set<Isolation.Mode> isolate(String value) {
        java.util.Set<Isolation.Mode> modes = java.util.EnumSet.noneOf(Isolation.Mode.class);
        for (String word : value.toLowerCase(Locale.ROOT).split("\\+", -1)) {
            Isolation.Mode mode = Isolation.Mode.of(word.trim());
            if (mode == null) {
                throw new IllegalArgumentException("isolate: \"" + value + "\" (expected: app, thread, dest-host, "
                        + "dest-port, first-party or connection, joined with '+', e.g. thread+first-party)");
            }
            modes.add(mode);
        }
        return modes;
    }

    /**
     * The {@code app} argument, or the main class or jar name the JVM was started with ({@code sun.java.command}:
     * {@code com.example.Main args} or {@code path/app.jar args}).
     */
    private static String app(String value) {
        if (value != null) {
            if (!IsolationString.appName(value).equals(value)) {
                throw new IllegalArgumentException("app: \"" + value + "\" (expected: 1-" + IsolationString.MAX_APP
                        + " characters of A-Z a-z 0-9 . _ -)");
            }
            return value;
        }
        String command = System.getProperty("sun.java.command", "");
        int space = command.indexOf(' ');
        String main = space < 0 ? command : command.substring(0, space);
        if (main.endsWith(".jar")) {
            main = main.substring(main.lastIndexOf('/') + 1, main.length() - ".jar".length());
        }
        return IsolationString.appName(main);
    }

    private static byte[] linkSecret(String file) {
        byte[] secret;
        try {
            secret = Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            secret = null;
        }
        if (secret == null || secret.length < 16) {
            throw new IllegalArgumentException("link-jvms: \"" + file + "\" (expected: a readable file of at least 16 "
                    + "secret bytes, e.g. made by head -c 32 /dev/urandom; every JVM given the same file may share Tor "
                    + "circuits with the others for equal keys, so an exit can link their streams)");
        }
        return secret;
    }

    private static int timeout(String value) {
        try {
            int seconds = Integer.parseInt(value);
            if (seconds >= 1 && seconds <= 600) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // Reported below with the accepted range.
        }
        throw new IllegalArgumentException("timeout: \"" + value + "\" (expected: 1-600 seconds for reaching the "
                + "SocksPort and its SOCKS handshake where the application set no timeout; default "
                + AgentConfig.DEFAULT_TIMEOUT_SECONDS + ")");
    }

    private static InetAddress host(String value) {
        byte[] address = Socks5Address.parseLiteralIgnoringZone(value.equalsIgnoreCase("localhost") ? "127.0.0.1" : value);
        if (address != null) {
            InetAddress a;
            try {
                a = InetAddress.getByAddress(address);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("not reached: 4 or 16 bytes", e);
            }
            if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                throw new IllegalArgumentException("host: \"" + value + "\" (expected: the SocksPort's own address, "
                        + "e.g. 127.0.0.1; " + (a.isAnyLocalAddress() ? "a wildcard address" : "a multicast address")
                        + " names no one server)");
            }
            return a;
        }
        throw new IllegalArgumentException("host: \"" + value + "\" (expected: an IP address literal or localhost; "
                + "a name would need a DNS lookup outside Tor)");
    }

    private static AgentConfig.Dns dns(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "remote": return AgentConfig.Dns.REMOTE;
            case "mapped": return AgentConfig.Dns.MAPPED;
            default: throw new IllegalArgumentException("dns: \"" + value + "\" (expected: remote, Tor resolves "
                    + "each name; or mapped, a placeholder address stands for the name)");
        }
    }

    private static AgentConfig.Udp udp(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "bypass": return AgentConfig.Udp.BYPASS;
            case "loopback": return AgentConfig.Udp.LOOPBACK;
            case "none": return AgentConfig.Udp.NONE;
            default: throw new IllegalArgumentException("udp: \"" + value + "\" (expected: bypass, only to bypassed "
                    + "destinations; loopback, also to any loopback address; or none)");
        }
    }

    private static Log.Level logLevel(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "warn": return Log.Level.WARN;
            case "info": return Log.Level.INFO;
            case "debug": return Log.Level.DEBUG;
            default: throw new IllegalArgumentException("log: \"" + value + "\" (expected: warn, info or debug)");
        }
    }

    private static boolean safeLogging(String value) {
        switch (value) {
            case "1": return true;
            case "0": return false;
            default: throw new IllegalArgumentException("safe-logging: \"" + value
                    + "\" (expected: 1 to print destinations as [scrubbed], or 0 to print them)");
        }
    }
}
