package org.streamiso.agent.instrument.process;

import java.util.List;
import org.streamiso.agent.bootstrap.process.ProcessHooks;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookPoint.Kind;

/**
 * Child processes: {@code java.lang.ProcessImpl#start}, where {@code ProcessBuilder.start} (and so
 * {@code Runtime.exec}) starts every program. The hook starts the command the {@code exec} argument makes of it (a
 * child JVM with the agent, any other program under torsocks) and returns that process, or throws when the start is
 * refused; the JDK's own start then never runs.
 *
 * <p>The class is loaded, not initialised, in premain to be rewritten; nothing of ProcessBuilder's machinery runs
 * before the application starts a process.
 */
public final class ProcessInstrumentation {
    /** Where the hooks of this instrumentation live, in the bootstrap part. */
    private static final Class<?> HOOKS = ProcessHooks.class;
    private ProcessInstrumentation() {
    }

    public static List<HookPoint> hookPoints() {
        return List.of(
                // JDK 17 and 25 (Linux): static, called only by ProcessBuilder.start(Redirect[]).
                new HookPoint("java/lang/ProcessImpl", "start",
                        "([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;[Ljava/lang/ProcessBuilder$Redirect;Z)"
                                + "Ljava/lang/Process;",
                        HOOKS, "processStart",
                        "([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;[Ljava/lang/ProcessBuilder$Redirect;Z)"
                                + "Ljava/lang/Process;",
                        new int[] {0, 1, 2, 3, 4}, Kind.RETURN_IF_NONNULL));
    }
}
