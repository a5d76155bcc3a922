package org.streamiso.agent.instrument.dns;

import java.lang.reflect.Field;
import java.net.InetAddress;
import org.streamiso.agent.bootstrap.Router;
import org.streamiso.agent.bootstrap.dns.ResolverGuard;

/**
 * Every name lookup of the JDK ({@code InetAddress.getByName}, {@code getAllByName}, {@code getHostName},
 * {@code new InetSocketAddress(host, port)}, and so every library that resolves through {@code InetAddress}): the
 * JDK's resolver is replaced by the {@link ResolverGuard}, in front of the built-in one. Not a hook point: the
 * choke point is a field of {@code InetAddress}, which every lookup reads, so nothing is rewritten.
 *
 * <p><b>Important:</b> installed in premain, before the application's first lookup, with {@code java.net} open to
 * the agent; a guard that cannot be installed stops the JVM.
 */
public final class InetAddressResolverInstrumentation {
    private InetAddressResolverInstrumentation() {
    }

    /**
     * Puts the guard in front of the JDK's resolver.
     *
     * @throws IllegalStateException if the JDK's resolver field cannot be replaced; premain then stops the JVM
     */
    public static void install(Router router) {
        try {
            // Core reflection, not VarHandles: those would bootstrap java.lang.invoke during start-up.
            if (Runtime.version().feature() >= 18) {
                // JDK 18 to 25: InetAddress.resolver (JEP 418's InetAddressResolver), read by every lookup.
                Class<?> type = Class.forName("java.net.spi.InetAddressResolver");
                Field builtin = InetAddress.class.getDeclaredField("BUILTIN_RESOLVER");
                Field resolver = InetAddress.class.getDeclaredField("resolver");
                builtin.setAccessible(true);
                resolver.setAccessible(true);
                resolver.set(null, ResolverGuard.of(type, builtin.get(null), router));
            } else {
                // JDK 17: InetAddress.nameService (interface InetAddress$NameService).
                Class<?> type = Class.forName("java.net.InetAddress$NameService", false, null);
                Field nameService = InetAddress.class.getDeclaredField("nameService");
                nameService.setAccessible(true);
                nameService.set(null, ResolverGuard.of(type, nameService.get(null), router));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("streamiso cannot put its guard in front of the JDK's resolver (" + e
                    + "); the JVM is stopped so that no name is resolved outside Tor. Is this a JDK 17 or later?", e);
        }
    }
}
