package org.streamiso.proxy.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process's open-files limit (the soft RLIMIT_NOFILE), and the start-up warning when it is too low for
 * {@code --max-streams}: each stream holds two descriptors, the client's connection and the one to Tor.
 *
 * <p>The limit is read as this JVM sees it (HotSpot raises the soft limit to the hard one at start on Linux unless
 * {@code -XX:-MaxFDLimit}), from {@code /proc/self/limits}, else from the JDK's
 * {@code UnixOperatingSystemMXBean#getMaxFileDescriptorCount}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/getrlimit.2.html">getrlimit(2), RLIMIT_NOFILE</a>
 */
public final class OpenFilesLimit {
    private static final Path PROC_LIMITS = Path.of("/proc/self/limits");

    private OpenFilesLimit() {
    }

    /** The soft open-files limit of this process ({@code Long.MAX_VALUE} when unlimited), or empty when unknown. */
    public static OptionalLong soft() {
        if (Files.isReadable(PROC_LIMITS)) {
            try {
                OptionalLong limit = parseProcLimits(Files.readString(PROC_LIMITS));
                if (limit.isPresent()) {
                    return limit;
                }
            } catch (IOException | RuntimeException e) {
                // Fall back to the MXBean below.
            }
        }
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long max = unix.getMaxFileDescriptorCount();
            return max > 0 ? OptionalLong.of(max) : OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** The soft limit from the text of {@code /proc/self/limits}: its {@code Max open files} line. */
    static OptionalLong parseProcLimits(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                if (fields.length > 0) {
                    if (fields[0].equals("unlimited")) {
                        return OptionalLong.of(Long.MAX_VALUE);
                    }
                    try {
                        return OptionalLong.of(Long.parseLong(fields[0]));
                    } catch (NumberFormatException e) {
                        return OptionalLong.empty();
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * The start-up warning when {@code softLimit} is below twice {@code maxStreams}, else null.
     *
     * @param softLimit  the soft open-files limit
     * @param maxStreams {@code --max-streams}
     */
    public static String warning(long softLimit, int maxStreams) {
        long needed = 2L * maxStreams;
        if (softLimit >= needed) {
            return null;
        }
        return "The open-files limit (RLIMIT_NOFILE) is " + softLimit + ", below twice --max-streams " + maxStreams
                + " (each stream holds two descriptors); proxy-core starts, but clients beyond about "
                + Math.max(0, (softLimit - 32) / 2) + " open streams wait unaccepted. Raise the limit before starting"
                + " it: ulimit -n " + needed + ".";
    }
}
