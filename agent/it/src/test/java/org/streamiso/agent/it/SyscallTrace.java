package org.streamiso.agent.it;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code strace -f -e trace=connect,sendto,sendmsg,openat,setsockopt} output and lists every call that
 * reached for a network address other than the allowed ones, opened a resolver file, or joined a multicast group.
 */
final class SyscallTrace {
    private static final Pattern INET = Pattern.compile(
            "sa_family=AF_INET, sin_port=htons\\((\\d+)\\), sin_addr=inet_addr\\(\"([0-9.]+)\"\\)");
    private static final Pattern INET6 = Pattern.compile(
            "sa_family=AF_INET6, sin6_port=htons\\((\\d+)\\),.*?inet_pton\\(AF_INET6, \"([0-9a-fA-F:.]+)\"");
    private static final Pattern UNIX = Pattern.compile("sa_family=AF_UNIX");
    /** Files that only a lookup through the machine's resolver opens. */
    /** A multicast join: the kernel then announces the machine on the network (IGMP, MLD). */
    private static final Pattern JOIN = Pattern.compile(
            "setsockopt\\(.*(IP_ADD_MEMBERSHIP|IPV6_ADD_MEMBERSHIP|MCAST_JOIN|IP_ADD_SOURCE_MEMBERSHIP)");
    private static final Pattern RESOLVER_FILES = Pattern.compile("open(at)?\\(.*\"/etc/(resolv\\.conf|hosts|gai\\.conf)\"");

    private SyscallTrace() {
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

    /** As above, with several allowed ports on {@code allowedHost} (the SocksPort and the agent's DNS responders). */
    static List<String> violations(String trace, String allowedHost, java.util.Set<Integer> allowedPorts,
            long baselineUnixConnects) {
        List<String> bad = new ArrayList<>();
        long unix = 0;
        for (String line : trace.split("\n")) {
            if (RESOLVER_FILES.matcher(line).find() || JOIN.matcher(line).find()) {
                bad.add(line);
                continue;
            }
            if (!(line.contains("connect(") || line.contains("sendto(") || line.contains("sendmsg("))) {
                continue;
            }
            Matcher m4 = INET.matcher(line);
            Matcher m6 = INET6.matcher(line);
            if (m4.find()) {
                if (!(m4.group(2).equals(allowedHost) && allowedPorts.contains(Integer.parseInt(m4.group(1))))) {
                    bad.add(line);
                }
            } else if (m6.find()) {
                if (!(m6.group(2).equals("::ffff:" + allowedHost)
                        && allowedPorts.contains(Integer.parseInt(m6.group(1))))) {
                    bad.add(line);
                }
            } else if (UNIX.matcher(line).find() && line.contains("connect(") && ++unix > baselineUnixConnects) {
                bad.add(line);
            }
        }
        return bad;
    }

    /** AF_UNIX connects in a trace: the baseline of a JVM that makes no lookup. */
    static long unixConnects(String trace) {
        return trace.lines().filter(l -> l.contains("connect(") && UNIX.matcher(l).find()).count();
    }

    /** The number of connect calls to the allowed endpoint, to show the trace saw the traffic at all. */
    static long connectsTo(String trace, String host, int port) {
        return trace.lines().filter(l -> l.contains("connect(")).filter(l -> {
            Matcher m = INET.matcher(l);
            Matcher m6 = INET6.matcher(l);
            return m.find() && m.group(2).equals(host) && Integer.parseInt(m.group(1)) == port
                    || m6.find() && m6.group(2).equals("::ffff:" + host) && Integer.parseInt(m6.group(1)) == port;
        }).count();
    }
}
