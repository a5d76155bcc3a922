package org.streamiso.agent.bootstrap;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Stands in front of the JDK's resolver so that only local names reach the machine's resolver:
 * {@code localhost}, the machine's own host name, and names the user listed in {@code bypass}. Any other
 * lookup fails with UnknownHostException before a query is sent. Connect paths do not need the lookup:
 * an unresolved name is sent to the SocksPort as a DOMAINNAME and resolved by Tor.
 *
 * <p>JDK 17: replaces {@code InetAddress.nameService} (interface {@code InetAddress$NameService}).
 * JDK 18+: replaces {@code InetAddress.resolver} (JEP 418's {@code InetAddressResolver}), in front of the
 * built-in resolver, so a resolver provider of the application's cannot query around it either.
 */
public final class ResolverGuard implements InvocationHandler {
    private final Object delegate;
    private final Router router;
    private volatile String ownHostName;

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
            case "lookupByName": { // JDK 18+: Stream<InetAddress> lookupByName(String, LookupPolicy)
                String host = (String) args[0];
                if (!isLocalName(host)) {
                    throw refusedLookup(host);
                }
                Object answer = call(method, args);
                if (answer instanceof InetAddress[]) {
                    router.allowResolved((InetAddress[]) answer);
                    return answer;
                }
                @SuppressWarnings("unchecked")
                List<InetAddress> list = ((Stream<InetAddress>) answer).collect(Collectors.toList());
                router.allowResolved(list.toArray(new InetAddress[0]));
                return list.stream();
            }
            case "getHostByAddr": // JDK 17: String getHostByAddr(byte[])
            case "lookupByAddress": { // JDK 18+: String lookupByAddress(byte[])
                InetAddress address = InetAddress.getByAddress((byte[]) args[0]);
                if (address.isLoopbackAddress() || router.allowsDirect(address, -1)) {
                    return call(method, args);
                }
                // The JDK answers the numeric address when the reverse lookup fails: nothing is sent.
                throw new UnknownHostException("streamiso: reverse lookups go to no resolver outside Tor");
            }
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

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            method.setAccessible(true);
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private boolean isLocalName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.equals("localhost") || router.config().bypass().matchesName(h)) {
            return true;
        }
        return h.equals(ownHostName());
    }

    private String ownHostName() {
        String name = ownHostName;
        if (name == null) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(InetAddress.class, MethodHandles.lookup());
                Class<?> implType = Class.forName("java.net.InetAddressImpl", false, null);
                Object impl = lookup.findStaticVarHandle(InetAddress.class, "impl", implType).get();
                Method m = implType.getDeclaredMethod("getLocalHostName");
                m.setAccessible(true);
                name = ((String) m.invoke(impl)).toLowerCase(Locale.ROOT);
            } catch (ReflectiveOperationException | RuntimeException e) {
                name = "localhost";
            }
            ownHostName = name;
        }
        return name;
    }

    private static UnknownHostException refusedLookup(String host) {
        String message = "streamiso refused to look up " + Log.scrub(host) + " with the machine's resolver, "
                + "which would send the name outside Tor; no query was sent. Connect by name instead (Tor resolves "
                + "it), or add the name to bypass= if it is local.";
        Log.debug(message);
        return new UnknownHostException(message);
    }
}
