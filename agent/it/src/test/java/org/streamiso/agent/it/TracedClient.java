package org.streamiso.agent.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamiso.agent.it.SyscallTrace.Allowed;
import org.streamiso.agent.it.SyscallTrace.Endpoint;

/**
 * One client application that {@link TorLeakNamespace} runs under the agent and strace: its main class and
 * arguments, the line its standard output must contain when it succeeded, the {@link NamespaceServer}s it reaches
 * through Tor (by name), and what its trace may show beyond connects to the SocksPort.
 *
 * <pre>{@code
 * TracedClient.of("okhttp", OkHttpApp.class, "http://web.streamiso.test:8080/okhttp")
 *         .expect("OK 200 hello from streamiso test: /okhttp").reaches(NamespaceServer.WEB)
 * }</pre>
 *
 * @param name           a short name: the test's display name and the stem of its files ({@code NAME.trace})
 * @param main           the application's main class, on the module's test class path
 * @param args           its arguments
 * @param expected       texts its standard output must contain (each, anywhere)
 * @param servers        the names of the servers it reaches; each must show a SUCCEEDED stream in Tor
 * @param jvmOptions     options before the main class
 * @param agentArguments agent arguments after {@code port=SOCKSPORT}, e.g. {@code dns=mapped}; empty for none
 * @param allowed        what the trace may show besides connects to the SocksPort: local TCP destinations, local
 *                       UDP destinations (an in-JVM DNS responder's loopback address), resolver files
 * @param environment    environment variables set for the client (e.g. {@code JAVA_TOOL_OPTIONS} for a child JVM)
 * @param loggedPorts    patterns matched against the client's standard error: every group of every match is a port
 *                       on 127.0.0.1 that the trace may show connects and datagrams to, for ports known only once the
 *                       client ran (the in-JVM DNS server's responders, which the agent logs at {@code log=info})
 * @param withAgent      false runs the client without {@code -javaagent}: only to see by hand that the leak check
 *                       catches what the agent prevents; never in a committed test
 * @param processes      how many processes the client runs (itself and its children): each may make the AF_UNIX
 *                       connects to nscd that a JVM without the agent makes at start-up (the user's passwd entry)
 * @param resolvConf     the {@code /etc/resolv.conf} the client sees (bind-mounted over the machine's in a mount
 *                       namespace of its own), or null for the machine's: for a DNS client of its own, so that the
 *                       nameserver it asks does not depend on the machine
 */
record TracedClient(String name, Class<?> main, List<String> args, List<String> expected, List<String> servers,
        List<String> jvmOptions, String agentArguments, Allowed allowed, Map<String, String> environment,
        List<Pattern> loggedPorts, boolean withAgent, int processes, String resolvConf) {

    TracedClient {
        if (!name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: lowercase letters, digits and -)");
        }
        args = List.copyOf(args);
        expected = List.copyOf(expected);
        servers = List.copyOf(servers);
        jvmOptions = List.copyOf(jvmOptions);
        environment = Map.copyOf(environment);
        loggedPorts = List.copyOf(loggedPorts);
    }

    /** A client that must print {@code OK } and reaches no server yet, with only the SocksPort allowed. */
    static TracedClient of(String name, Class<?> main, String... args) {
        return new TracedClient(name, main, List.of(args), List.of("OK "), List.of(), List.of(), "",
                new Allowed(List.of(), List.of(), List.of()), Map.of(), List.of(), true, 1, null);
    }

    /** Adds a text its standard output must contain. */
    TracedClient expect(String text) {
        List<String> all = new ArrayList<>(expected);
        all.add(text);
        return new TracedClient(name, main, args, all, servers, jvmOptions, agentArguments, allowed, environment,
                loggedPorts, withAgent, processes, resolvConf);
    }

    /** The servers it reaches through Tor, by {@link NamespaceServer#name()}. */
    TracedClient reaches(String... serverNames) {
        List<String> all = new ArrayList<>(servers);
        all.addAll(List.of(serverNames));
        return new TracedClient(name, main, args, expected, all, jvmOptions, agentArguments, allowed, environment,
                loggedPorts, withAgent, processes, resolvConf);
    }

    /** Adds JVM options (before the main class). */
    TracedClient jvmOptions(String... options) {
        List<String> all = new ArrayList<>(jvmOptions);
        all.addAll(List.of(options));
        return new TracedClient(name, main, args, expected, servers, all, agentArguments, allowed, environment,
                loggedPorts, withAgent, processes, resolvConf);
    }

    /** Agent arguments after {@code port=SOCKSPORT}, e.g. {@code dns=mapped,isolate=thread}. */
    TracedClient agentArguments(String arguments) {
        return new TracedClient(name, main, args, expected, servers, jvmOptions, arguments, allowed, environment,
                loggedPorts, withAgent, processes, resolvConf);
    }

    /** A local TCP destination the trace may show a connect to, besides the SocksPort (a bypassed server). */
    TracedClient allowConnect(String host, int port) {
        List<Endpoint> connects = new ArrayList<>(allowed.connects());
        connects.add(new Endpoint(host, port));
        return with(new Allowed(connects, allowed.datagrams(), allowed.files()));
    }

    /**
     * A UDP destination the trace may show a datagram to (or a connect of a UDP socket to): the agent's own
     * loopback DNS responder, for a client with a DNS client of its own; port 0 allows every port of the address.
     * Any other datagram still fails the run.
     */
    TracedClient allowDatagramTo(String host, int port) {
        List<Endpoint> datagrams = new ArrayList<>(allowed.datagrams());
        datagrams.add(new Endpoint(host, port));
        return with(new Allowed(allowed.connects(), datagrams, allowed.files()));
    }

    /**
     * A resolver file the client may open, e.g. {@code /etc/resolv.conf} for a DNS client that reads its
     * nameservers there (what it then sends is still checked).
     */
    TracedClient allowFile(String path) {
        List<String> files = new ArrayList<>(allowed.files());
        files.add(path);
        return with(new Allowed(allowed.connects(), allowed.datagrams(), files));
    }

    /** Sets an environment variable for the client. */
    TracedClient environment(String variable, String value) {
        Map<String, String> all = new java.util.LinkedHashMap<>(environment);
        all.put(variable, value);
        return new TracedClient(name, main, args, expected, servers, jvmOptions, agentArguments, allowed, all,
                loggedPorts, withAgent, processes, resolvConf);
    }

    /**
     * Allows connects and datagrams to the loopback ports that {@code regex}'s groups find in the client's standard
     * error, e.g. {@code "UDP port (\\d+), TCP port (\\d+)"} for the in-JVM DNS server's responders (with
     * {@code log=info} among the agent arguments). Only the agent's own local endpoints belong here: a port of a
     * server the client should reach through Tor would hide a direct connect to it.
     */
    TracedClient allowLoggedLoopbackPorts(String regex) {
        List<Pattern> all = new ArrayList<>(loggedPorts);
        all.add(Pattern.compile(regex));
        return new TracedClient(name, main, args, expected, servers, jvmOptions, agentArguments, allowed, environment,
                all, withAgent, processes, resolvConf);
    }

    /** The client starts {@code children} processes of its own (a child JVM, curl under torsocks). */
    TracedClient children(int children) {
        return new TracedClient(name, main, args, expected, servers, jvmOptions, agentArguments, allowed, environment,
                loggedPorts, withAgent, 1 + children, resolvConf);
    }

    /** Gives the client a {@code /etc/resolv.conf} of its own with these lines. */
    TracedClient resolvConf(String lines) {
        return new TracedClient(name, main, args, expected, servers, jvmOptions, agentArguments, allowed, environment,
                loggedPorts, withAgent, processes, lines);
    }

    /** The same client without {@code -javaagent}, to check by hand that the leak check fails. */
    TracedClient withoutAgent() {
        return new TracedClient(name, main, args, expected, servers, jvmOptions, agentArguments, allowed, environment,
                loggedPorts, false, processes, resolvConf);
    }

    /** The allowed endpoints with the loopback ports that the client's standard error names. */
    Allowed allowedAfter(String stderr) {
        List<Endpoint> logged = new ArrayList<>();
        for (Pattern pattern : loggedPorts) {
            Matcher m = pattern.matcher(stderr);
            while (m.find()) {
                for (int g = 1; g <= m.groupCount(); g++) {
                    logged.add(Endpoint.loopback(Integer.parseInt(m.group(g))));
                }
            }
        }
        List<Endpoint> connects = new ArrayList<>(allowed.connects());
        connects.addAll(logged);
        List<Endpoint> datagrams = new ArrayList<>(allowed.datagrams());
        datagrams.addAll(logged);
        return new Allowed(connects, datagrams, allowed.files());
    }

    private TracedClient with(Allowed newAllowed) {
        return new TracedClient(name, main, args, expected, servers, jvmOptions, agentArguments, newAllowed,
                environment, loggedPorts, withAgent, processes, resolvConf);
    }

    @Override
    public String toString() {
        return name; // the parameterized test's display name
    }
}
