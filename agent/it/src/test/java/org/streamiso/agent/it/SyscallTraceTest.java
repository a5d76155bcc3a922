package org.streamiso.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamiso.agent.it.SyscallTrace.Allowed;
import org.streamiso.agent.it.SyscallTrace.Endpoint;

/** {@link SyscallTrace} on lines of {@code strace -f -yy}: what it lets through and what it reports. */
class SyscallTraceTest {
    private static final String TCP_TO_SOCKS = connect6(101, "66<TCPv6:[1388109]>", 9050, "::ffff:127.0.0.1",
            "-1 EINPROGRESS (Operation now in progress)");
    private static final String TCP_TO_WEB = connect4(101, "67<TCP:[1388110]>", 8080, "127.0.0.1", "0");
    private static final String UDP_TO_NAMESERVER = "102 sendto(4<UDPv6:[[::]:33981]>, \"\\1\", 1, 0, "
            + "{sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "
            + "\"::ffff:10.53.0.1\", &sin6_addr), sin6_scope_id=0}, 28) = 1";
    private static final String UDP_CONNECT_TO_NAMESERVER = connect4(102, "4<UDP:[33982]>", 53, "10.53.0.1", "0");
    private static final String TCP_TO_NAMESERVER = connect4(102, "5<TCP:[33983]>", 53, "10.53.0.1",
            "-1 ENETUNREACH (Network is unreachable)");
    private static final String UDP_BATCH_TO_NAMESERVER = "102 sendmmsg(4<UDP:[33984]>, [{msg_hdr={msg_name={"
            + "sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr(\"10.53.0.1\")}, msg_namelen=16, "
            + "msg_iov=[{iov_base=\"\\x12\\x34\", iov_len=2}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, "
            + "msg_len=2}], 1, MSG_NOSIGNAL) = 1";
    private static final String RESOLV_CONF = "103 openat(AT_FDCWD</work>, \"/etc/resolv.conf\", O_RDONLY|O_CLOEXEC) "
            + "= 5</etc/resolv.conf>";
    private static final String IPV6_LOOPBACK = connect6(104, "6<TCPv6:[1]>", 9050, "::1", "0");
    private static final String NSSWITCH = "105 openat(AT_FDCWD</tmp>, \"/etc/nsswitch.conf\", O_RDONLY|O_CLOEXEC) = 4";
    private static final String TRACE = String.join("\n", TCP_TO_SOCKS, TCP_TO_WEB, UDP_TO_NAMESERVER,
            UDP_CONNECT_TO_NAMESERVER, UDP_BATCH_TO_NAMESERVER, TCP_TO_NAMESERVER, RESOLV_CONF, IPV6_LOOPBACK, NSSWITCH);
    private static final Endpoint SOCKS = Endpoint.loopback(9050);
    private static final Endpoint NAMESERVER = new Endpoint("10.53.0.1", 53);

    /** A line of {@code strace -f -yy} for an IPv4 connect of thread {@code tid} on {@code fd}. */
    private static String connect4(int tid, String fd, int port, String address, String result) {
        return tid + " connect(" + fd + ", {sa_family=AF_INET, sin_port=htons(" + port + "), sin_addr=inet_addr(\""
                + address + "\")}, 16) = " + result;
    }

    /** A line of {@code strace -f -yy} for an IPv6 connect of thread {@code tid} on {@code fd}. */
    private static String connect6(int tid, String fd, int port, String address, String result) {
        return tid + " connect(" + fd + ", {sa_family=AF_INET6, sin6_port=htons(" + port + "), sin6_flowinfo=htonl(0), "
                + "inet_pton(AF_INET6, \"" + address + "\", &sin6_addr), sin6_scope_id=0}, 28) = " + result;
    }

    @Test
    void reportsEveryCallButConnectsToTheSocksPort() {
        assertEquals(List.of(TCP_TO_WEB, UDP_TO_NAMESERVER, UDP_CONNECT_TO_NAMESERVER,
                UDP_BATCH_TO_NAMESERVER, TCP_TO_NAMESERVER, RESOLV_CONF, IPV6_LOOPBACK),
                SyscallTrace.violations(TRACE, Allowed.socksPortOnly(SOCKS), 0));
    }

    @Test
    void anAllowedUdpDestinationLetsDatagramsThroughButNoTcpConnect() {
        Allowed allowed = new Allowed(List.of(SOCKS), List.of(NAMESERVER), List.of());
        assertEquals(List.of(TCP_TO_WEB, TCP_TO_NAMESERVER, RESOLV_CONF, IPV6_LOOPBACK),
                SyscallTrace.violations(TRACE, allowed, 0));
    }

    @Test
    void anAllowedTcpDestinationAndResolverFileAreLetThrough() {
        Allowed allowed = new Allowed(List.of(SOCKS, Endpoint.loopback(8080)), List.of(), List.of("/etc/resolv.conf"));
        assertEquals(List.of(UDP_TO_NAMESERVER, UDP_CONNECT_TO_NAMESERVER, UDP_BATCH_TO_NAMESERVER, TCP_TO_NAMESERVER,
                IPV6_LOOPBACK), SyscallTrace.violations(TRACE, allowed, 0));
    }

    @Test
    void portZeroAllowsEveryPortOfTheAddressAndNoOtherAddress() {
        Allowed allowed = new Allowed(List.of(SOCKS), List.of(new Endpoint("10.53.0.1", 0)), List.of());
        assertEquals(List.of(TCP_TO_WEB, TCP_TO_NAMESERVER, RESOLV_CONF, IPV6_LOOPBACK),
                SyscallTrace.violations(TRACE, allowed, 0));
        Allowed other = new Allowed(List.of(SOCKS), List.of(Endpoint.loopback(0)), List.of());
        assertEquals(List.of(TCP_TO_WEB, UDP_TO_NAMESERVER, UDP_CONNECT_TO_NAMESERVER, UDP_BATCH_TO_NAMESERVER,
                TCP_TO_NAMESERVER, RESOLV_CONF, IPV6_LOOPBACK), SyscallTrace.violations(TRACE, other, 0));
    }

    @Test
    void unixConnectsBeyondTheBaselineAreReported() {
        String nscd = "106 connect(4<UNIX-STREAM:[1376805]>, {sa_family=AF_UNIX, sun_path=\"/var/run/nscd/socket\"}, "
                + "110) = -1 ENOENT (No such file or directory)";
        String trace = String.join("\n", nscd, nscd, nscd);
        assertEquals(List.of(nscd), SyscallTrace.violations(trace, Allowed.socksPortOnly(SOCKS), 2));
    }
}
