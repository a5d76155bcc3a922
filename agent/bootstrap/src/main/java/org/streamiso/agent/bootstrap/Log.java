package org.streamiso.agent.bootstrap;

/**
 * The agent's log: one line per event on standard error, prefixed {@code streamiso:}.
 *
 * <p>Destinations and isolation keys go through {@link #scrub(Object)}, which prints {@code [scrubbed]}
 * unless the user set {@code safe-logging=0} (Tor's SafeLogging; Arti's safelog).
 */
public final class Log {
    /** Log levels, from the fewest lines to the most. */
    public enum Level { WARN, INFO, DEBUG }

    private static volatile Level level = Level.WARN;
    private static volatile boolean safeLogging = true;

    private Log() {
    }

    static void configure(Level newLevel, boolean newSafeLogging) {
        level = newLevel;
        safeLogging = newSafeLogging;
    }

    public static boolean isEnabled(Level l) {
        return l.compareTo(level) <= 0;
    }

    public static void warn(String message) {
        System.err.println("streamiso: " + message);
    }

    public static void info(String message) {
        if (isEnabled(Level.INFO)) {
            System.err.println("streamiso: " + message);
        }
    }

    public static void debug(String message) {
        if (isEnabled(Level.DEBUG)) {
            System.err.println("streamiso: " + message);
        }
    }

    /** Returns {@code [scrubbed]}, or the value itself when the user turned safe logging off. */
    public static String scrub(Object sensitive) {
        return safeLogging ? "[scrubbed]" : String.valueOf(sensitive);
    }
}
