package org.streamiso.agent.instrument.nativepath;

import java.util.List;
import org.streamiso.agent.bootstrap.nativepath.NativePathHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * SCTP channels, which Tor cannot carry: their connect and send are native, past {@code sun.nio.ch.Net}, so none is
 * opened. A runtime built with jlink may leave the module {@code jdk.sctp} out; then there is nothing to rewrite.
 */
public final class SctpNetInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = NativePathHooks.class;

    private SctpNetInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 and 25 (module jdk.sctp): every SctpChannel, SctpMultiChannel and SctpServerChannel.
                new HookPoint("sun/nio/ch/sctp/SctpNet", "socket", "(Z)Ljava/io/FileDescriptor;",
                        HOOKS, "sctpSocket", "()V", new int[0], Kind.CALL));
    }
}
