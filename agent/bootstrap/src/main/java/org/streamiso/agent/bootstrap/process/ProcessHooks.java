package org.streamiso.agent.bootstrap.process;

import java.io.IOException;
import java.util.Map;
import org.streamiso.agent.bootstrap.ChildProcesses;
import org.streamiso.agent.bootstrap.InstalledAgent;

/**
 * The hook of {@code org.streamiso.agent.instrument.process}: child processes stay inside Tor.
 *
 * <p><b>Important:</b> loaded by the bootstrap class loader and called from inside {@code java.lang}; the signature
 * uses {@code java.*} types only.
 */
public final class ProcessHooks {
    private ProcessHooks() {
    }

    /**
     * {@code java.lang.ProcessImpl#start(String[],Map,String,Redirect[],boolean)} (JDK 17, 25, Linux), which
     * {@code ProcessBuilder.start} and so {@code Runtime.exec} call for every child process: starts the command that
     * the {@code exec} argument makes of it ({@link ChildProcesses}) and returns it, or returns null to let the JDK
     * start the command unchanged ({@code exec=allow}, and the rewritten command's own start). A refused start
     * throws and nothing runs.
     */
    public static Process processStart(String[] command, Map<String, String> environment, String dir,
            ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream) throws IOException {
        if (ChildProcesses.isStarting()) {
            return null;
        }
        // Throws if premain did not finish: nothing starts unwrapped.
        ChildProcesses.Plan plan = InstalledAgent.children().plan(command, environment);
        if (plan == null) {
            return null;
        }
        return ChildProcesses.start(plan, environment, dir, redirects, redirectErrorStream);
    }
}
