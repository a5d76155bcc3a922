package org.streamiso.agent.bootstrap;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandType;

/**
 * Stands in front of the JDK's resolver so that only the names the user listed in {@code bypass} reach the
 * machine's resolver (and are counted in the leak report). {@code localhost}, IP literals written with the root
 * dot and the machine's own host name are answered by {@link LocalNames} without any resolver, since glibc would
 * send a DNS query for each that its hosts file lacks ({@code localhost.}, {@code 127.0.0.1.}). Every other
 * name is answered through Tor ({@code dns=remote}: SOCKS RESOLVE, with the isolation key of the thread and
 * scope that asked, and of the name where the key includes the destination) or by a placeholder ({@code dns=mapped}, and every {@code .onion} name). Either answer keeps the name,
 * and {@link Router} sends the name, not the address, when the application connects to it.
 *
 * <p>Reverse lookups never reach the machine's resolver (glibc would send a PTR query for any address its
 * hosts file lacks, loopback ones too): a placeholder gives its name back, {@code 127.0.0.1} and {@code ::1}
 * are {@code localhost}, an address outside the bypass asks Tor (RESOLVE_PTR) under {@code dns=remote}, and
 * everything else gets its numeric form.
 *
 * <p>JDK 17: replaces {@code InetAddress.nameService} (interface {@code InetAddress$NameService}).
 * JDK 18+: replaces {@code InetAddress.resolver} (JEP 418's {@code InetAddressResolver}), in front of the
 * built-in resolver, so a resolver provider of the application's cannot query around it either.
 */
public final class ResolverGuard implements InvocationHandler {
    // JEP 418's LookupPolicy characteristics; JDK 17's lookups ask for both.
    static final int IPV4 = 1;
    static final int IPV6 = 2;
    static final int IPV6_FIRST = 8;

    /** JEP 418's {@code LookupPolicy#characteristics}, found on the first lookup (the class is JDK 18+). */
    private static volatile Method characteristicsMethod;

    private final Object delegate;
    private final Router router;

    private ResolverGuard(Object delegate, Router router) {
        this.delegate = delegate;
        this.router = router;
    }

    /**
     * Installs the guard. <b>Important:</b> java.net must be open to this class's module.
     *
     * @throws IllegalStateException if the JDK's resolver field cannot be replaced; premain then stops the JVM
     */
    public static void install(Router router) {
        try {
            // Core reflection, not VarHandles: those would bootstrap java.lang.invoke during start-up.
            if (Runtime.version().feature() >= 18) {
                Class<?> type = Class.forName("java.net.spi.InetAddressResolver");
                Field builtin = InetAddress.class.getDeclaredField("BUILTIN_RESOLVER");
                Field resolver = InetAddress.class.getDeclaredField("resolver");
                builtin.setAccessible(true);
                resolver.setAccessible(true);
                resolver.set(null, proxy(type, new ResolverGuard(builtin.get(null), router)));
            } else {
                Class<?> type = Class.forName("java.net.InetAddress$NameService", false, null);
                Field nameService = InetAddress.class.getDeclaredField("nameService");
                nameService.setAccessible(true);
                nameService.set(null, proxy(type, new ResolverGuard(nameService.get(null), router)));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("streamiso cannot put its guard in front of the JDK's resolver (" + e
                    + "); the JVM is stopped so that no name is resolved outside Tor. Is this a JDK 17 or later?", e);
        }
    }

    private static Object proxy(Class<?> type, ResolverGuard guard) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, guard);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "lookupAllHostAddr": // JDK 17: InetAddress[] lookupAllHostAddr(String)
                return lookup(method, args, IPV4 | IPV6);
            case "lookupByName": // JDK 18+: Stream<InetAddress> lookupByName(String, LookupPolicy)
                return Stream.of(lookup(method, args, characteristics(args[1])));
            case "getHostByAddr": // JDK 17: String getHostByAddr(byte[])
            case "lookupByAddress": // JDK 18+: String lookupByAddress(byte[])
                return reverse(router, (byte[]) args[0]);
            case "toString":
                return "streamiso ResolverGuard in front of " + delegate;
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            default:
                throw new UnsupportedOperationException(method.getName());
        }
    }

    private InetAddress[] lookup(Method method, Object[] args, int characteristics) throws Throwable {
        String host = (String) args[0];
        InetAddress[] local = localAnswer(router, host, characteristics);
        if (local != null) {
            return local;
        }
        if (router.isBypassedName(host)) {
            Object answer = call(method, args);
            InetAddress[] addresses;
            if (answer instanceof InetAddress[]) {
                addresses = (InetAddress[]) answer;
            } else {
                @SuppressWarnings("unchecked")
                List<InetAddress> list = ((Stream<InetAddress>) answer).collect(Collectors.toList());
                addresses = list.toArray(new InetAddress[0]);
            }
            router.allowResolved(addresses);
            LeakReport.allowedLookup(host);
            return addresses;
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
        byte[] bytes = Bypass.literal(reply.bndAddr());
        if (reply.bndAddrType().equals(Socks5AddressType.DOMAIN) || bytes == null) {
            throw new UnknownHostException("Tor SocksPort " + router.socksPort().text()
                    + " answered a RESOLVE for " + Log.scrub(host) + " without an address; the lookup failed.");
        }
        InetAddress answer = InetAddress.getByAddress(host, bytes);
        router.names().rememberRemote(host, answer);
        return answer;
    }

    static String reverse(Router router, byte[] bytes) throws UnknownHostException {
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

    private static int characteristics(Object lookupPolicy) throws ReflectiveOperationException {
        Method m = characteristicsMethod;
        if (m == null) {
            m = lookupPolicy.getClass().getMethod("characteristics");
            characteristicsMethod = m;
        }
        return (Integer) m.invoke(lookupPolicy);
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            method.setAccessible(true);
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
