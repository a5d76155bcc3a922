package org.streamiso.agent.instrument.nativepath;

import java.util.List;
import org.streamiso.agent.bootstrap.nativepath.NativePathHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * The loading of native libraries ({@code System.load}, {@code System.loadLibrary} and their {@code Runtime}
 * twins): Netty's native transports connect and send from their own C code, past every socket hook, so they are not
 * loaded, and Netty falls back to NIO, which is routed.
 */
public final class RuntimeInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = NativePathHooks.class;
    private static final String LOAD_HOOK = "(Ljava/lang/String;)V";

    private RuntimeInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 and 25: System.load and Runtime.load.
                new HookPoint("java/lang/Runtime", "load0", "(Ljava/lang/Class;Ljava/lang/String;)V",
                        HOOKS, "nativeLibrary", LOAD_HOOK, new int[] {2}, Kind.CALL),
                // JDK 17 and 25: System.loadLibrary and Runtime.loadLibrary.
                new HookPoint("java/lang/Runtime", "loadLibrary0", "(Ljava/lang/Class;Ljava/lang/String;)V",
                        HOOKS, "nativeLibrary", LOAD_HOOK, new int[] {2}, Kind.CALL));
    }
}
