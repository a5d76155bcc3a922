package org.streamiso.testnet.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One running tor of the private network: its process and its log file.
 *
 * <p>tor runs in the foreground ({@code RunAsDaemon 0}) so that {@link #stop()} reaches the process
 * that holds the ports; its notice log goes to stdout, which is redirected to the log file, so even
 * a torrc that fails to parse leaves its reason there.
 */
public final class TorProcess {

    private final String nickname;
    private final Path logFile;
    private final Process process;

    private TorProcess(String nickname, Path logFile, Process process) {
        this.nickname = nickname;
        this.logFile = logFile;
        this.process = process;
    }

    /**
     * Starts {@code tor -f torrc --defaults-torrc defaults}, logging to {@code logFile}.
     * An empty defaults file keeps any system-wide {@code torrc-defaults} out of the network.
     */
    public static TorProcess start(Path tor, String nickname, Path torrc, Path defaultsTorrc, Path logFile)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(
                tor.toString(), "-f", torrc.toString(), "--defaults-torrc", defaultsTorrc.toString());
        builder.redirectErrorStream(true);
        builder.redirectOutput(logFile.toFile());
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        return new TorProcess(nickname, logFile, builder.start());
    }

    public String nickname() {
        return nickname;
    }

    public Path logFile() {
        return logFile;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status, valid once {@link #isAlive()} is false. */
    public int exitValue() {
        return process.exitValue();
    }

    /** The log's lines so far; an unreadable log reads as no lines. */
    public List<String> logLines() {
        try {
            return Files.readAllLines(logFile, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    /** The last {@code count} lines of the log. */
    public List<String> logTail(int count) {
        List<String> lines = logLines();
        return new ArrayList<>(lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    /**
     * Asks tor to stop with SIGTERM, on which tor exits at once (SIGINT would make a relay wait
     * {@code ShutdownWaitLength}). Returns without waiting; see {@link #awaitStop(long)}.
     */
    public void requestStop() {
        process.destroy();
    }

    /**
     * Waits up to {@code graceMillis} for tor to exit after {@link #requestStop()}, then kills it
     * with SIGKILL and waits as long again.
     *
     * @return true when the process is gone
     */
    public boolean awaitStop(long graceMillis) {
        try {
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(graceMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return !process.isAlive();
    }
}
