package org.streamiso.proxy.tor;

import org.streamiso.socks.Socks5CommandStatus;
import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import org.streamiso.proxy.internal.Log;

/**
 * Shows the launched tors' bootstrap: on a terminal, one bar redrawn in place; otherwise one log line per step.
 *
 * <p>Tor reports each step as {@code STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=n TAG=t SUMMARY="s"}.
 *
 * @see <a href="https://spec.torproject.org/control-spec/replies.html#bootstrap-phase">control-spec, bootstrap phases</a>
 */
final class BootstrapProgress {
    private static final int WIDTH = 30;

    private final PrintStream terminal;
    private final Log log;
    private final int[] percent;
    private final String[] summary;
    private boolean barShown;

    /**
     * @param terminal the terminal to draw the bar on, or null for log lines
     * @param count    how many tors bootstrap
     */
    BootstrapProgress(PrintStream terminal, Log log, int count) {
        this.terminal = terminal;
        this.log = log;
        this.percent = new int[count];
        this.summary = new String[count];
    }

    /**
     * The terminal to draw on: {@code out} when the JVM has a console that is a terminal (on JDK 22+
     * {@link Console#isTerminal()} says so, since there {@code System.console()} is not null on a pipe), else null.
     */
    static PrintStream terminalOrNull(PrintStream out) {
        Console console = System.console();
        if (console == null) {
            return null;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return Boolean.TRUE.equals(isTerminal.invoke(console)) ? out : null;
        } catch (NoSuchMethodException e) {
            return out; // JDK 17-21: a console is a terminal
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /** Tor {@code index} (0-based) reached {@code p}% at the step {@code tag}, in Tor's words {@code words}. */
    synchronized void step(int index, int p, String tag, String words) {
        if (p == percent[index] && words.equals(summary[index])) {
            return;
        }
        percent[index] = p;
        summary[index] = words;
        String who = percent.length == 1 ? "Tor" : "tor " + (index + 1) + " of " + percent.length;
        if (terminal == null) {
            log.info(who + " bootstrapped " + p + "% (" + tag + ": " + words + ")"
                    + (p < 100 ? "; clients get " + Socks5CommandStatus.FAILURE + " until it reaches 100%." : "; streams go through it."));
            return;
        }
        int total = 0;
        for (int each : percent) {
            total += each;
        }
        int shown = total / percent.length;
        int filled = shown * WIDTH / 100;
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        String line = String.format("\rBootstrapping Tor [%s] %3d%%  %s: %s", bar, shown, who, words);
        terminal.print(line.length() > 110 ? line.substring(0, 110) : line + "\033[K");
        terminal.flush();
        barShown = true;
    }

    /** Ends the bar's line, so that log lines start on a line of their own. */
    synchronized void done() {
        if (barShown) {
            terminal.println();
            terminal.flush();
            barShown = false;
        }
    }
}
