package org.streamiso.proxy.tor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How proxy-core launches its own tor daemons ({@code --launch-tor [N]}).
 *
 * @param count        how many tor daemons, 1-8; isolation keys are spread over them, each sticking to one
 * @param torBinary    the {@code tor} program, or null to look it up on {@code PATH} (then /usr/bin, /usr/sbin)
 * @param dataRoot     the directory (mode 0700) under which each daemon gets {@code tor-1}, {@code tor-2}, ...:
 *                     its DataDirectory, generated torrc, ControlPort file and cookie
 * @param torConfigs   torrc files that the generated torrc {@code %include}s (Bridge lines, a private network's
 *                     DirAuthority lines)
 * @param stallTimeout how long a bootstrap may go without progress before it is reported as stalled
 */
public record TorLaunch(int count, Path torBinary, Path dataRoot, List<Path> torConfigs, Duration stallTimeout) {
    public static final int MAX_COUNT = 8;
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

    public TorLaunch {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count: " + count + " (expected: 1-" + MAX_COUNT + ")");
        }
        Objects.requireNonNull(dataRoot, "dataRoot");
        torConfigs = List.copyOf(torConfigs);
        Objects.requireNonNull(stallTimeout, "stallTimeout");
    }

    /**
     * The default {@code --tor-data-dir}: {@code $XDG_CACHE_HOME/streamiso/proxy-core-tor}, else
     * {@code ~/.cache/streamiso/proxy-core-tor}. Kept between runs, so a restart reuses Tor's directory cache and
     * bootstraps in seconds.
     */
    public static Path defaultDataRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("streamiso").resolve("proxy-core-tor");
    }

    /** Options a {@code --tor-config} file must not set: proxy-core sets them, and relies on them. */
    static final List<String> RESERVED_OPTIONS = List.of("socksport", "controlport", "controlportwritetofile",
            "cookieauthentication", "cookieauthfile", "hashedcontrolpassword", "datadirectory",
            "__owningcontrollerprocess", "runasdaemon", "pidfile", "%include");

    /** The options of {@link #RESERVED_OPTIONS} that {@code lines} (a torrc) sets, as written there. */
    public static List<String> reservedOptionsIn(List<String> lines) {
        List<String> found = new ArrayList<>();
        for (String line : lines) {
            String word = line.strip().split("\\s+", 2)[0];
            if (RESERVED_OPTIONS.contains(word.toLowerCase())) {
                found.add(word);
            }
        }
        return found;
    }
}
