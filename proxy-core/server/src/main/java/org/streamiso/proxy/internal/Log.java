package org.streamiso.proxy.internal;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The log of proxy-core: one line per event, {@code TIME LEVEL message}, to one stream (standard error by default).
 *
 * <p>Messages are built by callers with {@link Safelog}, so destinations and isolation keys never reach this class
 * in clear unless the user turned on unsafe logging.
 */
public final class Log {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    private final PrintStream out;
    private final boolean debug;

    public Log(PrintStream out, boolean debug) {
        this.out = out;
        this.debug = debug;
    }

    public boolean isDebug() {
        return debug;
    }

    public void debug(String message) {
        if (debug) {
            write("DEBUG", message);
        }
    }

    public void info(String message) {
        write("INFO ", message);
    }

    public void warn(String message) {
        write("WARN ", message);
    }

    public void error(String message) {
        write("ERROR", message);
    }

    private void write(String level, String message) {
        String line = TIME.format(Instant.now()) + " " + level + " " + message;
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
