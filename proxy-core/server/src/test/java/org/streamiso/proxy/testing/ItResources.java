package org.streamiso.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.streamiso.proxy.internal.Log;

/**
 * What one test opens, closed in reverse order when it ends, and proxy-core's log captured so the test can read it
 * and, for an integration test, the build output still shows it.
 */
public final class ItResources implements AutoCloseable {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final boolean printLog;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final Log log = new Log(new PrintStream(logBytes, true, StandardCharsets.UTF_8), true);

    /** Resources whose log is printed to standard error when they are closed: an integration test's. */
    public ItResources() {
        this(true);
    }

    private ItResources(boolean printLog) {
        this.printLog = printLog;
    }

    /** Resources whose log stays in memory: a unit test's, which reads what it needs. */
    public static ItResources quiet() {
        return new ItResources(false);
    }

    /** Registers {@code closeable} to be closed at the end of the test, and returns it. */
    public <T extends AutoCloseable> T closing(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    /** The log that proxy-core writes to in this test, at debug level. */
    public Log log() {
        return log;
    }

    /** Everything logged so far. */
    public String logText() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /** Closes everything registered, newest first, then prints the captured log to standard error unless quiet. */
    @Override
    public void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        if (printLog) {
            System.err.print(logText());
        }
    }
}
