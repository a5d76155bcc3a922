package org.streamiso.examples.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A process the demo started: its output (standard error merged in) echoed line by line with its name in front, and
 * kept, so the demo can read what the application reported.
 */
final class Child {
    private static final long STOP_GRACE_MILLIS = 5_000;

    final String name;
    private final Process process;
    /** Guarded by {@code this}. */
    private final List<String> lines = new ArrayList<>();
    private boolean ended;

    private Child(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    /** Starts {@code command}; its standard input stays an open pipe until {@link #stop()}. */
    static Child start(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Child child = new Child(name, process);
        Thread reader = new Thread(child::readLoop, "demo-output-" + name);
        reader.setDaemon(true);
        reader.start();
        return child;
    }

    private void readLoop() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println(String.format("%-14s | %s", name, line));
                synchronized (this) {
                    lines.add(line);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // The process is gone; waiters are told below.
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    /** Every line the process printed so far. */
    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** Waits for a line that {@code match} accepts; empty when the output ended or {@code timeoutMillis} passed. */
    synchronized Optional<String> awaitLine(Predicate<String> match, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        int seen = 0;
        while (true) {
            for (; seen < lines.size(); seen++) {
                if (match.test(lines.get(seen))) {
                    return Optional.of(lines.get(seen));
                }
            }
            long remaining = deadline - System.nanoTime();
            if (ended || remaining <= 0) {
                return Optional.empty();
            }
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
    }

    /** Waits for the process to exit and for the rest of its output; empty when it still ran after the timeout. */
    Optional<Integer> await(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            return Optional.empty();
        }
        synchronized (this) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!ended && deadline - System.nanoTime() > 0) {
                TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
            }
        }
        return Optional.of(process.exitValue());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops the process and its descendants: SIGTERM (the JVM's shutdown hooks run), then SIGKILL after {@value #STOP_GRACE_MILLIS} ms; returns once they are gone.
     */
    void stop() {
        List<ProcessHandle> descendants = process.descendants().toList();
        // The handle's destroy: Process.destroy would also close the pipes, losing what the process prints as it stops.
        process.toHandle().destroy();
        try {
            if (!process.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle d : descendants) {
            d.destroyForcibly();
        }
        try (OutputStream stdin = process.getOutputStream()) {
            // Closed only now: an end of input while SIGTERM's shutdown runs would stop ExitWithParent's JVM early.
            stdin.flush();
        } catch (IOException ignored) {
            // Already closed: the process has ended.
        }
        synchronized (this) { // the last lines it printed, e.g. proxy-core's "stopped" line
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            try {
                while (!ended && deadline - System.nanoTime() > 0) {
                    TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
