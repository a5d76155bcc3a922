package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandType;

/**
 * How a name or an address is answered without the machine's resolver, for the resolver guard
 * ({@code org.streamiso.agent.bootstrap.dns.ResolverGuard}) and the in-JVM {@link DnsServer} alike. {@code localhost},
 * IP literals written with the root dot and the machine's own host name are answered by {@link LocalNames}, since
 * glibc would send a DNS query for each that its hosts file lacks ({@code localhost.}, {@code 127.0.0.1.}). Every
 * other name outside {@code bypass} is answered through Tor ({@code dns=remote}: SOCKS RESOLVE, with the isolation key
 * of the thread and scope that asked, and of the name where the key includes the destination) or by a placeholder
 * ({@code dns=mapped}, and every {@code .onion} name). Either answer keeps the name, and {@link Router} sends the name,
 * not the address, when the application connects to it.
 *
 * <p>Reverse lookups never reach the machine's resolver (glibc would send a PTR query for any address its hosts file
 * lacks, loopback ones too): a placeholder gives its name back, {@code 127.0.0.1} and {@code ::1} are
 * {@code localhost}, an address outside the bypass asks Tor (RESOLVE_PTR) under {@code dns=remote}, and everything
 * else gets its numeric form.
 */
public final class Lookups {
    /** JEP 418's LookupPolicy characteristics; JDK 17's lookups ask for both families. */
    public static final int IPV4 = 1;
    public static final int IPV6 = 2;
    public static final int IPV6_FIRST = 8;

    private Lookups() {
    }

    /**
     * The answer for a forward lookup of {@code host} (of the families {@code characteristics} asks for), or null
     * where {@code host} is in {@code bypass} and the machine's resolver is to answer it; then
     * {@link #answeredByTheMachine} must be told its answer.
     */
    public static InetAddress[] forward(Router router, String host, int characteristics) throws UnknownHostException {
        InetAddress[] local = localAnswer(router, host, characteristics);
        if (local != null) {
            return local;
        }
        if (router.isBypassedName(host)) {
            return null;
        }
        boolean v6Only = (characteristics & IPV4) == 0;
        if (Bypass.isOnion(host) || router.config().dns() == AgentConfig.Dns.MAPPED) {
            return new InetAddress[] {router.names().placeholder(host, v6Only)};
        }
        InetAddress answer = resolveThroughTor(router, host);
        boolean isV6 = answer instanceof Inet6Address;
        if (isV6 ? (characteristics & IPV6) == 0 : v6Only) {
            throw new UnknownHostException("Tor answered an " + (isV6 ? "IPv6" : "IPv4") + " address for "
                    + Log.scrub(host) + ", which this lookup did not ask for (java.net.preferIPv4Stack?).");
        }
        return new InetAddress[] {answer};
    }

    /**
     * The machine's resolver answered a bypassed name: its addresses may be connected to directly, and the lookup is
     * counted in the leak report, since its query may have left the machine.
     */
    public static void answeredByTheMachine(Router router, String host, InetAddress[] addresses) {
        router.allowResolved(addresses);
        LeakReport.allowedLookup(host);
    }

    /**
     * The agent's own answer for a dotted IP literal ({@code 127.0.0.1.}), {@code localhost} and the machine's own
     * name, which glibc would send to the DNS server where the hosts file lacks the exact name; null for any other
     * name.
     */
    static InetAddress[] localAnswer(Router router, String host, int characteristics) throws UnknownHostException {
        byte[] literal = Router.dottedLiteral(host);
        if (literal != null) {
            return new InetAddress[] {InetAddress.getByAddress(host, literal)};
        }
        boolean localhost = Router.isLocalhost(host);
        if (!localhost && !router.isOwnHostName(host)) {
            return null;
        }
        InetAddress[] answer = localhost ? LocalNames.loopback(host, characteristics)
                : LocalNames.ownHost(host, characteristics);
        if (!localhost) {
            router.rememberOwnName(answer);
        }
        if (router.isBypassedName(host)) {
            router.allowResolved(answer); // bypass=localhost+... (without 127.0.0.0/8) keeps localhost direct
        }
        return answer;
    }

    static InetAddress resolveThroughTor(Router router, String host) throws UnknownHostException {
        return answerOf(router, host, router.socksPort().ask(
                Socks5CommandRequest.ofDomain(Socks5CommandType.RESOLVE, host, 0), host));
    }

    /** The address in Tor's successful RESOLVE reply for {@code host}, remembered as Tor's answer for it. */
    static InetAddress answerOf(Router router, String host, Socks5CommandResponse reply) throws UnknownHostException {
        byte[] bytes = Socks5Address.parseLiteralIgnoringZone(reply.bndAddr());
        if (reply.bndAddrType().equals(Socks5AddressType.DOMAIN) || bytes == null) {
            throw new UnknownHostException("Tor SocksPort " + router.socksPort().text()
                    + " answered a RESOLVE for " + Log.scrub(host) + " without an address; the lookup failed.");
        }
        InetAddress answer = InetAddress.getByAddress(host, bytes);
        router.names().rememberRemote(host, answer);
        return answer;
    }

    /**
     * The name for a reverse lookup of {@code bytes}, never from the machine's resolver: a placeholder's name,
     * {@code localhost}, the own name, Tor's RESOLVE_PTR answer under {@code dns=remote} for a public address; else
     * an UnknownHostException, whereupon the JDK answers the numeric address.
     */
    public static String reverse(Router router, byte[] bytes) throws UnknownHostException {
        String mapped = router.names().nameOf(bytes);
        if (mapped != null) {
            return mapped;
        }
        InetAddress address = InetAddress.getByAddress(bytes);
        if (address.isLoopbackAddress() && (bytes.length == 16 || bytes[3] == 1 && bytes[1] == 0 && bytes[2] == 0)) {
            return "localhost"; // 127.0.0.1 and ::1, as every hosts file has them
        }
        if (router.isOwnNameAnswer(address)) {
            return router.ownHostName(); // as the hosts file says, and the JDK's confirming lookup agrees
        }
        if (router.isMachineAddress(address)) {
            // Never named to the exit: the machine's own address would tell it who asks.
            String message = "streamiso answered the numeric address for a reverse lookup of " + Log.scrub(
                    address.getHostAddress()) + ", an address of this machine, instead of asking Tor (the exit would "
                    + "learn the machine's address) or the machine's resolver; no query was sent.";
            LeakReport.refused(LeakReport.Kind.LOOKUP, "InetAddress.getHostName", message);
            throw new UnknownHostException(message);
        }
        // Tor learns nothing of a bypassed or private address (the exit would see the local network's addresses),
        // and a placeholder that dropped out of the table has no name anywhere.
        if (router.config().dns() == AgentConfig.Dns.REMOTE && !router.allowsDirect(address, -1)
                && !NameTable.isPlaceholder(bytes) && isPublic(address)) {
            Socks5CommandRequest request = Socks5CommandRequest.ofAddress(Socks5CommandType.RESOLVE_PTR, address, 0);
            Socks5CommandResponse reply = router.socksPort().ask(request, address.getHostAddress());
            if (!reply.bndAddrType().equals(Socks5AddressType.DOMAIN)) {
                throw new UnknownHostException("Tor answered no name for " + Log.scrub(address.getHostAddress()));
            }
            return reply.bndAddr();
        }
        // The JDK answers the numeric address when the reverse lookup fails.
        String message = "streamiso answered the numeric address for a reverse lookup of "
                + Log.scrub(address.getHostAddress()) + " instead of asking the machine's resolver, which would send "
                + "it to a DNS server outside Tor; no query was sent."
                + (router.config().dns() == AgentConfig.Dns.REMOTE ? "" : " Use dns=remote to ask Tor.");
        LeakReport.refused(LeakReport.Kind.LOOKUP, "InetAddress.getHostName", message);
        throw new UnknownHostException(message);
    }

    /**
     * Whether an address may be named to an exit in a RESOLVE_PTR: not loopback, link-local, private (RFC 1918,
     * RFC 4193), shared (RFC 6598), multicast or the wildcard, also in IPv4-mapped form.
     */
    static boolean isPublic(InetAddress address) throws UnknownHostException {
        byte[] a = address.getAddress();
        if (a.length == 16 && Bypass.isV4Mapped(a)) {
            return isPublic(InetAddress.getByAddress(new byte[] {a[12], a[13], a[14], a[15]}));
        }
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        if (a.length == 4) {
            return !((a[0] & 0xFF) == 100 && (a[1] & 0xC0) == 64) && a[0] != 0; // 100.64.0.0/10, 0.0.0.0/8
        }
        return (a[0] & 0xFE) != 0xFC; // fc00::/7
    }

}
