package org.streamiso.agent.bootstrap.dns;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.streamiso.agent.bootstrap.Lookups;
import org.streamiso.agent.bootstrap.Router;

/**
 * The hook of {@code org.streamiso.agent.instrument.dns}: stands in front of the JDK's resolver so that only the
 * names the user listed in {@code bypass} reach the machine's resolver (and are counted in the leak report); every
 * other forward and every reverse lookup is answered by {@link Lookups} (through Tor, by a placeholder, or by the
 * agent's own answer for local names), never by the machine's resolver.
 *
 * <p>JDK 17: implements {@code InetAddress$NameService}. JDK 18+: implements JEP 418's {@code InetAddressResolver},
 * in front of the built-in resolver, so a resolver provider of the application's cannot query around it either. The
 * instrumentation puts it in the JDK's field.
 *
 * <p><b>Important:</b> loaded by the bootstrap class loader, and a proxy of a {@code java.net} interface; every
 * failure is thrown, and nothing falls back to the machine's resolver.
 */
public final class ResolverGuard implements InvocationHandler {
    /** JEP 418's {@code LookupPolicy#characteristics}, found on the first lookup (the class is JDK 18+). */
    private static volatile Method characteristicsMethod;

    private final Object delegate;
    private final Router router;

    private ResolverGuard(Object delegate, Router router) {
        this.delegate = delegate;
        this.router = router;
    }

    /**
     * The guard, as an instance of the JDK's resolver interface {@code type}, in front of {@code delegate}, the
     * JDK's own resolver, which it asks only for bypassed names.
     */
    public static Object of(Class<?> type, Object delegate, Router router) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                new ResolverGuard(delegate, router));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "lookupAllHostAddr": // JDK 17: InetAddress[] lookupAllHostAddr(String)
                return lookup(method, args, Lookups.IPV4 | Lookups.IPV6);
            case "lookupByName": // JDK 18+: Stream<InetAddress> lookupByName(String, LookupPolicy)
                return Stream.of(lookup(method, args, characteristics(args[1])));
            case "getHostByAddr": // JDK 17: String getHostByAddr(byte[])
            case "lookupByAddress": // JDK 18+: String lookupByAddress(byte[])
                return Lookups.reverse(router, (byte[]) args[0]);
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
        InetAddress[] answer = Lookups.forward(router, host, characteristics);
        if (answer != null) {
            return answer;
        }
        Object bypassed = call(method, args); // a name in bypass: the machine's resolver answers it
        InetAddress[] addresses;
        if (bypassed instanceof InetAddress[]) {
            addresses = (InetAddress[]) bypassed;
        } else {
            @SuppressWarnings("unchecked")
            List<InetAddress> list = ((Stream<InetAddress>) bypassed).collect(Collectors.toList());
            addresses = list.toArray(new InetAddress[0]);
        }
        Lookups.answeredByTheMachine(router, host, addresses);
        return addresses;
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
