package org.streamiso.agent.it;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code strace -f -e trace=connect,sendto,sendmsg,sendmmsg,openat,setsockopt} output and lists every call that
 * reached for a network address other than the allowed ones, opened a resolver file, or joined a multicast group.
 *
 * <p>Traces taken with {@code -yy} name each socket's protocol ({@code connect(5<TCP:[…]>, …)},
 * {@code sendto(7<UDPv6:[…]>, …)}); there a connect of a UDP socket is judged as a datagram destination, so that a
 * list of allowed UDP destinations never lets a TCP connect through, nor the other way round.
 */
final class SyscallTrace {
    private static final Pattern INET = Pattern.compile(
            "sa_family=AF_INET, sin_port=htons\\((\\d+)\\), sin_addr=inet_addr\\(\"([0-9.]+)\"\\)");
    private static final Pattern INET6 = Pattern.compile(
            "sa_family=AF_INET6, sin6_port=htons\\((\\d+)\\),.*?inet_pton\\(AF_INET6, \"([0-9a-fA-F:.]+)\"");
    private static final Pattern UNIX = Pattern.compile("sa_family=AF_UNIX");
    /** The socket of a {@code -yy} trace: {@code connect(12<UDPv6:[…]>, …)}. */
    private static final Pattern UDP_SOCKET = Pattern.compile("connect\\(\\d+<UDP(v6)?:");
    /** A multicast join: the kernel then announces the machine on the network (IGMP, MLD). */
    private static final Pattern JOIN = Pattern.compile(
            "setsockopt\\(.*(IP_ADD_MEMBERSHIP|IPV6_ADD_MEMBERSHIP|MCAST_JOIN|IP_ADD_SOURCE_MEMBERSHIP)");
    /**
     * Files that only a lookup through the machine's resolver opens. {@code /etc/nsswitch.conf} is not among them:
     * every JVM opens it at start, when glibc reads the user's passwd entry.
     */
    private static final Pattern RESOLVER_FILES =
            Pattern.compile("open(at)?\\(.*\"(/etc/(resolv\\.conf|hosts|gai\\.conf|host\\.conf))\"");

    private SyscallTrace() {
    }

    /**
     * One address and port, as strace prints them; an IPv4 address matches its IPv4-mapped IPv6 form too. Port 0
     * stands for every port of the address (a responder on an ephemeral port, such as an in-JVM DNS responder's).
     */
    record Endpoint(String host, int port) {
        static Endpoint loopback(int port) {
            return new Endpoint("127.0.0.1", port);
        }

        boolean matches(String traceHost, int tracePort) {
            return (port == 0 || tracePort == port) && (traceHost.equals(host) || traceHost.equals("::ffff:" + host));
        }

        @Override
        public String toString() {
            return host + ":" + (port == 0 ? "*" : Integer.toString(port));
        }
    }

    /**
     * What a traced JVM may reach: TCP connects to {@code connects} (the SocksPort, and any local address a test
     * allows), datagrams (a {@code sendto}/{@code sendmsg} with an address, or a connect of a UDP socket) to
     * {@code datagrams}, and the resolver files in {@code files} (as the path the JVM opened).
     */
    record Allowed(List<Endpoint> connects, List<Endpoint> datagrams, List<String> files) {
        Allowed {
            connects = List.copyOf(connects);
            datagrams = List.copyOf(datagrams);
            files = List.copyOf(files);
        }

        /** Only the SocksPort: no datagram, no resolver file. */
        static Allowed socksPortOnly(Endpoint socksPort) {
            return new Allowed(List.of(socksPort), List.of(), List.of());
        }
    }

    /**
     * Returns the offending lines: a connect, sendto or sendmsg with an IPv4 or IPv6 address other than
     * {@code allowedHost:allowedPort} (also in its IPv4-mapped IPv6 form); an opening of the resolver's
     * files; a multicast join; and AF_UNIX connects beyond the {@code baselineUnixConnects} that a JVM without the agent makes
     * too (glibc asks nscd for the user's passwd entry at start-up; a name lookup would ask it again).
     */
    static List<String> violations(String trace, String allowedHost, int allowedPort, long baselineUnixConnects) {
        return violations(trace, allowedHost, java.util.Set.of(allowedPort), baselineUnixConnects);
    }

    /**
     * As above, with several allowed ports on {@code allowedHost} (the SocksPort and the agent's DNS responders), for
     * connects and datagrams alike.
     */
    static List<String> violations(String trace, String allowedHost, java.util.Set<Integer> allowedPorts,
            long baselineUnixConnects) {
        List<Endpoint> endpoints = allowedPorts.stream().sorted().map(p -> new Endpoint(allowedHost, p)).toList();
        return violations(trace, new Allowed(endpoints, endpoints, List.of()), baselineUnixConnects);
    }

    /**
     * Returns the offending lines: a TCP connect to an address outside {@link Allowed#connects()}, a datagram to
     * one outside {@link Allowed#datagrams()} (IPv4, or its IPv4-mapped IPv6 form; any other IPv6 address is an
     * offence); an opening of a resolver file outside {@link Allowed#files()}; a multicast join; and AF_UNIX
     * connects beyond the {@code baselineUnixConnects} that a JVM without the agent makes too (glibc asks nscd for
     * the user's passwd entry at start-up; a name lookup would ask it again).
     */
    static List<String> violations(String trace, Allowed allowed, long baselineUnixConnects) {
        List<String> bad = new ArrayList<>();
        long unix = 0;
        for (String line : trace.split("\n")) {
            Matcher file = RESOLVER_FILES.matcher(line);
            if (file.find() && !allowed.files().contains(file.group(2)) || JOIN.matcher(line).find()) {
                bad.add(line);
                continue;
            }
            // sendmmsg: glibc's resolver sends its A and AAAA queries in one call.
            if (!(line.contains("connect(") || line.contains("sendto(") || line.contains("sendmsg(")
                    || line.contains("sendmmsg("))) {
                continue;
            }
            boolean datagram = !line.contains("connect(") || UDP_SOCKET.matcher(line).find();
            List<Endpoint> endpoints = datagram ? allowed.datagrams() : allowed.connects();
            Matcher m4 = INET.matcher(line);
            Matcher m6 = INET6.matcher(line);
            if (m4.find()) {
                if (!anyMatches(endpoints, m4.group(2), Integer.parseInt(m4.group(1)))) {
                    bad.add(line);
                }
            } else if (m6.find()) {
                if (!anyMatches(endpoints, m6.group(2), Integer.parseInt(m6.group(1)))) {
                    bad.add(line);
                }
            } else if (UNIX.matcher(line).find() && line.contains("connect(") && ++unix > baselineUnixConnects) {
                bad.add(line);
            }
        }
        return bad;
    }

    private static boolean anyMatches(List<Endpoint> endpoints, String host, int port) {
        for (Endpoint endpoint : endpoints) {
            if (endpoint.matches(host, port)) {
                return true;
            }
        }
        return false;
    }

    /** AF_UNIX connects in a trace: the baseline of a JVM that makes no lookup. */
    static long unixConnects(String trace) {
        return trace.lines().filter(l -> l.contains("connect(") && UNIX.matcher(l).find()).count();
    }

    /** The number of connect calls to the allowed endpoint, to show the trace saw the traffic at all. */
    static long connectsTo(String trace, String host, int port) {
        Endpoint endpoint = new Endpoint(host, port);
        return trace.lines().filter(l -> l.contains("connect(")).filter(l -> {
            Matcher m = INET.matcher(l);
            Matcher m6 = INET6.matcher(l);
            return m.find() && endpoint.matches(m.group(2), Integer.parseInt(m.group(1)))
                    || m6.find() && endpoint.matches(m6.group(2), Integer.parseInt(m6.group(1)));
        }).count();
    }
}
