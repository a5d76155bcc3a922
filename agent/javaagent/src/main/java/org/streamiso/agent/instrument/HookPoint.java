package org.streamiso.agent.instrument;

import net.bytebuddy.jar.asm.Type;

/**
 * One JDK method that gets a call to a static hook of the bootstrap part at its entry, and what the injected code
 * does with the hook's answer.
 *
 * <p>The hook's class is given as a class, not as a name: a moved or renamed hook class fails compilation, and
 * {@code HookPointsTest} resolves every hook by reflection on its class and compares its descriptor with the one
 * injected, so a renamed or retyped hook method fails a unit test instead of the first connect inside
 * {@code java.base}.
 *
 * <p>A plain class with identity equality, not a record: a record's generated methods bootstrap
 * java.lang.invoke at start-up.
 */
public final class HookPoint {

    /** What the injected code does with the hook's result. */
    public enum Kind {
        /** The hook returns nothing and may throw: a guard. */
        CALL,
        /** The hook returns true when it made the connection itself; the method then returns (true, if boolean). */
        SKIP_IF_TRUE,
        /** The hook returns null to let the method run, or the method's result. */
        RETURN_IF_NONNULL,
        /**
         * For a boolean or int method: the hook returns -1 to let the method run, or what the method returns (0 or 1
         * for a boolean).
         */
        RETURN_IF_NOT_NEGATIVE,
        /**
         * The hook returns the new value of the last slot it is given, which the injected code stores there before
         * the method runs (where a datagram goes, say).
         */
        REPLACE_ARG,
        /**
         * Not at the entry: at each return of the method, the hook gets the value returned and returns what the
         * method returns instead (the peer a channel reports, say). The hook takes that value alone; no slots.
         */
        FILTER_RETURN,
        /** Not at the entry: the hook is called with its slots before each normal return of a void method. */
        CALL_AT_EXIT
    }

    private final String className;
    private final String methodName;
    private final String descriptor;
    private final Class<?> hookOwner;
    private final String hookOwnerName;
    private final String hookName;
    private final String hookDescriptor;
    private final int[] slots;
    private final Kind kind;

    /**
     * @param className      the JDK class, in internal form ({@code sun/nio/ch/NioSocketImpl})
     * @param methodName     the method
     * @param descriptor     the method's descriptor
     * @param hookOwner      the class of the bootstrap part that holds the hook. <b>Important:</b> it must be
     *                       loaded by the bootstrap class loader, since the injected call runs inside
     *                       {@code java.base}; premain checks that
     * @param hookName       the public static method of {@code hookOwner} to call
     * @param hookDescriptor its descriptor
     * @param slots          the local variable slots passed to the hook, in order (0 is {@code this} of an
     *                       instance method)
     * @param kind           what the injected code does with the hook's result
     */
    public HookPoint(String className, String methodName, String descriptor, Class<?> hookOwner, String hookName,
            String hookDescriptor, int[] slots, Kind kind) {
        this.className = className;
        this.methodName = methodName;
        this.descriptor = descriptor;
        this.hookOwner = hookOwner;
        this.hookOwnerName = Type.getInternalName(hookOwner);
        this.hookName = hookName;
        this.hookDescriptor = hookDescriptor;
        this.slots = slots.clone();
        this.kind = kind;
        if (Type.getReturnType(hookDescriptor).getSort() != expectedHookReturn(kind, descriptor)) {
            throw new IllegalArgumentException("hookDescriptor: " + hookDescriptor + " (expected: a return type that fits "
                    + kind + ")");
        }
    }

    private static int expectedHookReturn(Kind kind, String descriptor) {
        switch (kind) {
            case CALL: case CALL_AT_EXIT: return Type.VOID;
            case SKIP_IF_TRUE: return Type.BOOLEAN;
            case REPLACE_ARG: return Type.OBJECT;
            case RETURN_IF_NOT_NEGATIVE: return Type.INT;
            default: return Type.getReturnType(descriptor).getSort();
        }
    }

    public String className() {
        return className;
    }

    public String methodName() {
        return methodName;
    }

    public String descriptor() {
        return descriptor;
    }

    /** The class of the bootstrap part that holds the hook. */
    public Class<?> hookOwner() {
        return hookOwner;
    }

    /** The hook's class in internal form, as the injected call names it. */
    public String hookOwnerName() {
        return hookOwnerName;
    }

    public String hookName() {
        return hookName;
    }

    public String hookDescriptor() {
        return hookDescriptor;
    }

    public int[] slots() {
        return slots.clone();
    }

    public Kind kind() {
        return kind;
    }

    /** A short name for messages: {@code sun.nio.ch.NioSocketImpl#connect}. */
    public String displayName() {
        return className.replace('/', '.') + "#" + methodName;
    }
}
