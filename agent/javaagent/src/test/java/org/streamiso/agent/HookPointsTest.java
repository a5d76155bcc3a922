package org.streamiso.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.jar.asm.Type;
import org.junit.jupiter.api.Test;
import org.streamiso.agent.bootstrap.socket.SocketHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.datagram.DatagramInstrumentation;
import org.streamiso.agent.instrument.nativepath.InetAddressInstrumentation;
import org.streamiso.agent.instrument.nativepath.RuntimeInstrumentation;
import org.streamiso.agent.instrument.nativepath.SctpNetInstrumentation;
import org.streamiso.agent.instrument.process.ProcessInstrumentation;
import org.streamiso.agent.instrument.socket.NetInstrumentation;
import org.streamiso.agent.instrument.socket.SocketChannelInstrumentation;
import org.streamiso.agent.instrument.socket.SocketImplInstrumentation;

/**
 * The seam between the instrumentation and the hooks, checked without starting the agent: every hook point names a
 * public static method of its hook class (resolved by reflection on that class) with exactly the descriptor the
 * injected call uses, every value the injected code passes fits the hook's parameter, and the JDK method exists with
 * its descriptor on the running JDK (where its class exists: JDK 17's legacy implementations are gone in 18). A
 * renamed or retyped hook fails here instead of at the first connect inside {@code java.base}.
 */
class HookPointsTest {
    private static final List<Class<?>> INSTRUMENTATIONS = List.of(SocketImplInstrumentation.class,
            SocketChannelInstrumentation.class, NetInstrumentation.class, DatagramInstrumentation.class,
            InetAddressInstrumentation.class, RuntimeInstrumentation.class, SctpNetInstrumentation.class,
            ProcessInstrumentation.class);

    @Test
    void everyHookPointResolvesToAHookAndAJdkMethodThatFit() throws Exception {
        List<String> problems = new ArrayList<>();
        int checkedJdkMethods = 0;
        for (HookPoint p : StreamisoAgent.hookPoints()) {
            Method hook = hook(p);
            if (hook == null) {
                problems.add(p.displayName() + ": no public static " + p.hookOwner().getName() + "." + p.hookName()
                        + p.hookDescriptor() + ", which the injected call names" + namesakes(p));
                continue;
            }
            Class<?> owner;
            try {
                owner = Class.forName(p.className().replace('/', '.'), false, null);
            } catch (ClassNotFoundException e) {
                continue; // a JDK 17-only class on a later JDK; the agent skips its points there
            }
            Method target = jdkMethod(owner, p);
            if (target == null) {
                problems.add(p.displayName() + p.descriptor() + ": no such method on " + Runtime.version());
                continue;
            }
            checkedJdkMethods++;
            Class<?>[] hookParameters = hook.getParameterTypes();
            if (p.kind() == HookPoint.Kind.FILTER_RETURN) {
                if (hookParameters.length != 1 || !hookParameters[0].isAssignableFrom(target.getReturnType())
                        || !target.getReturnType().isAssignableFrom(hook.getReturnType())) {
                    problems.add(p.displayName() + ": hook " + hook + " does not take and give " + target.getReturnType());
                }
                continue;
            }
            int[] slots = p.slots();
            if (slots.length != hookParameters.length) {
                problems.add(p.displayName() + ": " + slots.length + " slots for " + hookParameters.length
                        + " hook parameters");
                continue;
            }
            boolean isStatic = Modifier.isStatic(target.getModifiers());
            for (int i = 0; i < slots.length; i++) {
                Class<?> passed = slotType(owner, target, slots[i], isStatic);
                if (passed == null || !wrap(hookParameters[i]).isAssignableFrom(wrap(passed))) {
                    problems.add(p.displayName() + ": slot " + slots[i] + " (" + passed + ") does not fit parameter "
                            + i + " of " + hook);
                }
            }
            if (p.kind() == HookPoint.Kind.REPLACE_ARG) {
                Class<?> replaced = slotType(owner, target, slots[slots.length - 1], isStatic);
                if (replaced == null || !replaced.isAssignableFrom(hook.getReturnType())) {
                    problems.add(p.displayName() + ": the hook's " + hook.getReturnType() + " cannot be stored in "
                            + replaced);
                }
            }
            if (p.kind() == HookPoint.Kind.RETURN_IF_NONNULL
                    && !target.getReturnType().isAssignableFrom(hook.getReturnType())) {
                problems.add(p.displayName() + ": the hook's " + hook.getReturnType() + " is not a " + target.getReturnType());
            }
            if (p.kind() == HookPoint.Kind.RETURN_IF_NOT_NEGATIVE && target.getReturnType() != int.class
                    && target.getReturnType() != boolean.class) {
                problems.add(p.displayName() + ": returns " + target.getReturnType() + " (expected: int or boolean)");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(checkedJdkMethods >= 15, "checked " + checkedJdkMethods + " JDK methods");
    }

    @Test
    void aHookThatIsNotThereIsFound() throws Exception {
        HookPoint renamed = new HookPoint("sun/nio/ch/Net", "connect", "(Ljava/net/InetAddress;I)V",
                SocketHooks.class, "checkDirectConnectRenamed", "(Ljava/net/InetAddress;I)V", new int[] {1, 2},
                HookPoint.Kind.CALL);
        assertEquals(null, hook(renamed));
        HookPoint retyped = new HookPoint("sun/nio/ch/Net", "connect", "(Ljava/net/InetAddress;I)V",
                SocketHooks.class, "checkDirectConnect", "(Ljava/net/SocketAddress;I)V", new int[] {1, 2},
                HookPoint.Kind.CALL);
        assertEquals(null, hook(retyped));
        HookPoint moved = new HookPoint("sun/nio/ch/Net", "connect", "(Ljava/net/InetAddress;I)V",
                org.streamiso.agent.bootstrap.datagram.DatagramHooks.class, "checkDirectConnect",
                "(Ljava/net/InetAddress;I)V", new int[] {1, 2}, HookPoint.Kind.CALL);
        assertEquals(null, hook(moved));
        assertNotNull(hook(new HookPoint("sun/nio/ch/Net", "connect", "(Ljava/net/InetAddress;I)V",
                SocketHooks.class, "checkDirectConnect", "(Ljava/net/InetAddress;I)V", new int[] {1, 2},
                HookPoint.Kind.CALL)));
        assertFalse(StreamisoAgent.hookPoints().isEmpty());
    }

    /** The layout: {@code instrument.socket.*Instrumentation} calls hooks of {@code bootstrap.socket}, and so on. */
    @Test
    @SuppressWarnings("unchecked")
    void everyHookLivesInTheBootstrapPackageOfItsInstrumentationsConcern() throws Exception {
        List<String> listed = new ArrayList<>();
        for (Class<?> instrumentation : INSTRUMENTATIONS) {
            String concern = instrumentation.getPackageName().substring("org.streamiso.agent.instrument.".length());
            for (HookPoint p : (List<HookPoint>) instrumentation.getMethod("hookPoints").invoke(null)) {
                assertEquals("org.streamiso.agent.bootstrap." + concern, p.hookOwner().getPackageName(),
                        instrumentation.getSimpleName() + ": " + p.displayName() + " calls " + p.hookOwner().getName());
                listed.add(p.displayName() + p.descriptor());
            }
        }
        List<String> all = new ArrayList<>();
        for (HookPoint p : StreamisoAgent.hookPoints()) {
            all.add(p.displayName() + p.descriptor());
        }
        java.util.Collections.sort(listed);
        java.util.Collections.sort(all);
        assertEquals(all, listed, "every instrumentation premain uses is listed here, and no other");
    }

    @Test
    void theInjectedCallNamesTheHookClassInInternalForm() {
        for (HookPoint p : StreamisoAgent.hookPoints()) {
            assertEquals(Type.getInternalName(p.hookOwner()), p.hookOwnerName(), p.displayName());
            assertEquals(p.hookOwner().getName().replace('.', '/'), p.hookOwnerName(), p.displayName());
        }
    }

    /** The hook on its class: public, static, of that name and exactly that descriptor; else null. */
    private static Method hook(HookPoint p) {
        if (!Modifier.isPublic(p.hookOwner().getModifiers())) {
            return null;
        }
        for (Method m : p.hookOwner().getDeclaredMethods()) {
            if (m.getName().equals(p.hookName()) && Type.getMethodDescriptor(m).equals(p.hookDescriptor())
                    && Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers())) {
                return m;
            }
        }
        return null;
    }

    /** For a message: the methods of the hook's name that its class does have, with their descriptors. */
    private static String namesakes(HookPoint p) {
        List<String> found = new ArrayList<>();
        for (Method m : p.hookOwner().getDeclaredMethods()) {
            if (m.getName().equals(p.hookName())) {
                found.add(Type.getMethodDescriptor(m) + (Modifier.isStatic(m.getModifiers())
                        && Modifier.isPublic(m.getModifiers()) ? "" : " (not public static)"));
            }
        }
        return found.isEmpty() ? "; it has no method of that name" : "; it has " + String.join(", ", found);
    }

    private static Method jdkMethod(Class<?> owner, HookPoint p) {
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(p.methodName()) && Type.getMethodDescriptor(m).equals(p.descriptor())) {
                return m;
            }
        }
        return null;
    }

    /** The type of the value in a local variable slot at the method's entry: {@code this}, or a parameter. */
    private static Class<?> slotType(Class<?> owner, Method m, int slot, boolean isStatic) {
        if (!isStatic && slot == 0) {
            return owner;
        }
        int at = isStatic ? 0 : 1;
        for (Class<?> c : m.getParameterTypes()) {
            if (at == slot) {
                return c;
            }
            at += c == long.class || c == double.class ? 2 : 1;
        }
        return null;
    }

    private static Class<?> wrap(Class<?> c) {
        return c.isPrimitive() ? java.lang.invoke.MethodType.methodType(c).wrap().returnType() : c;
    }
}
