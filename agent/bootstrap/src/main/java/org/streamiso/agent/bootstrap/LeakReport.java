package org.streamiso.agent.bootstrap;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Everything the agent stopped from leaving outside Tor: one log line per refusal, naming the API and
 * the calling class (the destination scrubbed unless {@code safe-logging=0}), a count per kind, and a
 * summary line when the JVM exits.
 *
 * <p>Applications and tests can read the counts: the class is on the bootstrap class path, so
 * {@code Class.forName("org.streamiso.agent.bootstrap.LeakReport")} finds it from any class loader.
 */
public final class LeakReport {
    /** What was refused. */
    public enum Kind {
        CONNECT("direct connection"),
        DATAGRAM("UDP datagram"),
        LOOKUP("reverse lookup kept from the machine's resolver"),
        PROBE("reachability probe"),
        NATIVE_TRANSPORT("native network library"),
        PROCESS("child process");

        private final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    /** After this many lines of one kind, further refusals of that kind are counted, not logged. */
    static final int LINES_PER_KIND = 100;

    private static final Kind[] KINDS = Kind.values();
    private static final AtomicLongArray COUNTS = new AtomicLongArray(KINDS.length);
    private static final AtomicBoolean SUMMARY_AT_EXIT = new AtomicBoolean();
    private static final AtomicLong ALLOWED_LOOKUPS = new AtomicLong();
    private static final AtomicLong DNS_ANSWERED = new AtomicLong();
    private static final AtomicLong ALLOWED_CHILDREN = new AtomicLong();

    private LeakReport() {
    }

    /**
     * Counts one refusal and logs it: {@code message} says what happened and what to do; the API and the
     * first calling class outside the JDK and the agent are added.
     */
    public static void refused(Kind kind, String api, String message) {
        long n = COUNTS.incrementAndGet(kind.ordinal());
        if (n <= LINES_PER_KIND) {
            Log.warn(message + " [" + api + ", called from " + caller() + "]");
        }
        if (n == LINES_PER_KIND) {
            Log.warn("that was the " + LINES_PER_KIND + "th refused " + kind.words + "; further ones are counted "
                    + "and summed up when the JVM exits, not logged one by one.");
        }
        summaryAtExit();
    }

    /**
     * Counts a lookup that went to the machine's resolver because the user listed the name in {@code bypass=}: the
     * query may leave the machine outside Tor, as the user allowed. Logged at {@code log=info}, summed at exit.
     */
    static void allowedLookup(String host) {
        ALLOWED_LOOKUPS.incrementAndGet();
        if (Log.isEnabled(Log.Level.INFO)) {
            Log.info("looked up " + Log.scrub(host) + " with the machine's resolver, as bypass= allows; that query "
                    + "may leave the machine outside Tor [called from " + caller() + "]");
        }
        summaryAtExit();
    }

    /** Counts one DNS query to port 53 that the in-JVM DNS server answered instead of sending it. */
    static void countDnsAnswer() {
        DNS_ANSWERED.incrementAndGet();
        summaryAtExit();
    }

    /** How many DNS queries the in-JVM DNS server answered. */
    public static long dnsAnswered() {
        return DNS_ANSWERED.get();
    }

    /**
     * Counts a child process that {@code exec=allow} starts unchanged, outside Tor, and logs it: one line on every
     * start, however many, since each is a program whose connections and lookups leave directly. Only the
     * program's file name is printed, never its arguments, which may name destinations.
     */
    static void allowedChild(String program) {
        ALLOWED_CHILDREN.incrementAndGet();
        Log.warn("leak report: started " + program + " outside Tor, as exec=allow asks: its connections and lookups "
                + "do not go through Tor, and nothing stops them [ProcessBuilder.start, called from " + caller()
                + "]. Set exec=inherit to start it inside Tor.");
        summaryAtExit();
    }

    /** How many child processes {@code exec=allow} started outside Tor. */
    public static long allowedChildren() {
        return ALLOWED_CHILDREN.get();
    }

    /** How many lookups went to the machine's resolver because their name is in {@code bypass=}. */
    public static long allowedLookups() {
        return ALLOWED_LOOKUPS.get();
    }

    private static void summaryAtExit() {
        if (SUMMARY_AT_EXIT.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(LeakReport::logSummary, "streamiso-leak-report"));
            } catch (IllegalStateException e) {
                // The JVM is exiting already.
            }
        }
    }

    /** How many refusals of this kind happened so far. */
    public static long count(Kind kind) {
        return COUNTS.get(kind.ordinal());
    }

    /** The counts in one line: {@code direct connection=0, UDP datagram=2, ...}. */
    public static String summary() {
        StringBuilder s = new StringBuilder();
        for (Kind k : KINDS) {
            if (s.length() > 0) {
                s.append(", ");
            }
            s.append(k.words).append('=').append(COUNTS.get(k.ordinal()));
        }
        return s.toString();
    }

    private static void logSummary() {
        Log.warn("leak report: refused " + summary() + "; nothing of it left the JVM. dns-answered="
                + DNS_ANSWERED.get() + " (DNS queries to port 53 answered inside the JVM, through Tor). Allowed by "
                + "bypass=: " + ALLOWED_LOOKUPS.get() + " lookups with the machine's resolver, which may have left the "
                + "machine." + (ALLOWED_CHILDREN.get() == 0 ? "" : " Allowed by exec=allow: " + ALLOWED_CHILDREN.get()
                        + " child processes started outside Tor."));
    }

    /** The first frame outside the JDK and this agent: which application class made the call. */
    static String caller() {
        for (StackTraceElement e : new Throwable().getStackTrace()) {
            String c = e.getClassName();
            if (!c.startsWith("java.") && !c.startsWith("javax.") && !c.startsWith("sun.") && !c.startsWith("jdk.")
                    && !c.startsWith("com.sun.") && !c.startsWith("org.streamiso.agent.bootstrap.")) {
                return c + "." + e.getMethodName();
            }
        }
        return "the JDK";
    }
}
