package org.streamiso.isolation;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * Stream isolation scopes for applications that run several identities in one JVM: streams opened inside a scope
 * get an isolation key of their own, so Tor puts them on circuits that no stream of another scope uses; renewing a
 * scope gives its later streams new circuits, while every other scope keeps its own.
 *
 * <pre>{@code
 * StreamIsolation.run("alice", () -> poll(account("alice")));   // alice's streams: alice's circuits
 * StreamIsolation.run("bob", () -> poll(account("bob")));       // never a circuit of alice's
 * executor.execute(StreamIsolation.wrap(task));                 // the task runs in the caller's scope
 * StreamIsolation.renew("alice");                               // alice's next streams: new circuits
 * }</pre>
 *
 * <p>A scope follows into the threads started inside it (an inheritable thread-local of the agent's); a task handed
 * to an executor runs in the scope of the thread that runs it (a pool thread started inside a scope keeps it), so
 * wrap tasks, or the executor, to carry the caller's scope, or the absence of one. Scopes do not nest: an inner scope replaces the outer one while it runs. A connection keeps the key it was
 * opened with, so a pooled connection opened in one scope carries that scope's identity wherever it is reused: give
 * each scope its own connection pool (its own HTTP client, its own data source).
 *
 * <p>Without the streamiso agent every method runs the code it is given and does nothing else. With the agent, the
 * agent's bootstrap part answers; an API jar the agent does not support makes every call throw an
 * IllegalStateException that says so, never a silent no-op while the agent runs.
 */
public final class StreamIsolation {
    /** The version of this API; the agent says which versions it serves. */
    public static final int API_VERSION = 1;

    private static final String BRIDGE = "org.streamiso.agent.bootstrap.ApiBridge";
    /** The agent's bridge, or null without the agent; {@link #MISMATCH} says why it cannot be used. */
    private static final MethodHandle ENTER;
    private static final MethodHandle EXIT;
    private static final MethodHandle CURRENT;
    private static final MethodHandle RENEW;
    private static final MethodHandle STATUS;
    private static final String MISMATCH;

    static {
        MethodHandle enter = null;
        MethodHandle exit = null;
        MethodHandle current = null;
        MethodHandle renew = null;
        MethodHandle status = null;
        String mismatch = null;
        Class<?> bridge;
        try {
            // The agent's classes are on the bootstrap class path: the null loader finds them from any class loader.
            bridge = Class.forName(BRIDGE, true, null);
        } catch (ClassNotFoundException e) {
            bridge = null; // no agent: every method just runs the code
        }
        if (bridge != null) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                MethodHandle connect = lookup.findStatic(bridge, "connect",
                        MethodType.methodType(String.class, int.class));
                mismatch = (String) connect.invokeExact(API_VERSION);
                enter = lookup.findStatic(bridge, "enter", MethodType.methodType(String.class, String.class));
                exit = lookup.findStatic(bridge, "exit", MethodType.methodType(void.class, String.class));
                current = lookup.findStatic(bridge, "current", MethodType.methodType(String.class));
                renew = lookup.findStatic(bridge, "renew", MethodType.methodType(void.class, String.class));
                status = lookup.findStatic(bridge, "status", MethodType.methodType(String[].class));
            } catch (Throwable t) {
                mismatch = "the streamiso agent in this JVM does not serve this streamiso-api jar (API version "
                        + API_VERSION + "): " + t + ". Use the streamiso-api jar of the agent's release.";
            }
        }
        ENTER = enter;
        EXIT = exit;
        CURRENT = current;
        RENEW = renew;
        STATUS = status;
        MISMATCH = mismatch;
    }

    private StreamIsolation() {
    }

    /** Runs {@code task} in the isolation scope {@code scope}; threads it starts inherit the scope. */
    public static void run(String scope, Runnable task) {
        Objects.requireNonNull(task, "task");
        requireScope(scope);
        if (ENTER == null && MISMATCH == null) {
            task.run();
            return;
        }
        inScope(scope, task);
    }

    /** Calls {@code task} in the isolation scope {@code scope} and returns its result. */
    public static <T> T call(String scope, Callable<T> task) throws Exception {
        Objects.requireNonNull(task, "task");
        requireScope(scope);
        if (ENTER == null && MISMATCH == null) {
            return task.call();
        }
        return inScope(scope, task);
    }

    /**
     * A task that runs in the scope current now (or in none, when there is none now), on whichever thread runs it,
     * whatever scope that thread has; without the agent, {@code task} itself.
     */
    public static Runnable wrap(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (ENTER == null && MISMATCH == null) {
            return task;
        }
        String scope = currentScope().orElse(null);
        return () -> inScope(scope, task);
    }

    /**
     * A task that is called in the scope current now (or in none), on whichever thread calls it; without the agent,
     * {@code task} itself.
     */
    public static <T> Callable<T> wrap(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        if (ENTER == null && MISMATCH == null) {
            return task;
        }
        String scope = currentScope().orElse(null);
        return () -> inScope(scope, task);
    }

    /** Runs {@code task} in {@code scope} (null: in none) and goes back to the thread's scope of before. */
    private static void inScope(String scope, Runnable task) {
        String previous = enterOrLeave(scope);
        try {
            task.run();
        } finally {
            exit(previous);
        }
    }

    private static <T> T inScope(String scope, Callable<T> task) throws Exception {
        String previous = enterOrLeave(scope);
        try {
            return task.call();
        } finally {
            exit(previous);
        }
    }

    /** An executor that runs each task in the scope of the thread that submitted it. */
    public static Executor wrap(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        return command -> executor.execute(wrap(command));
    }

    /** The scope the current thread runs in; empty outside any scope, and always without the agent. */
    public static Optional<String> currentScope() {
        if (CURRENT == null && MISMATCH == null) {
            return Optional.empty();
        }
        check();
        try {
            return Optional.ofNullable((String) CURRENT.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A new identity for one scope: its streams opened from now on get new credentials, so new circuits; its open
     * streams and every other scope keep theirs. Without the agent, nothing.
     */
    public static void renew(String scope) {
        requireScope(scope);
        if (RENEW == null && MISMATCH == null) {
            return;
        }
        check();
        try {
            RENEW.invokeExact(scope);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Whether the streamiso agent runs in this JVM and serves this API. */
    public static boolean isActive() {
        return STATUS != null && MISMATCH == null;
    }

    /** What the agent uses: its SocksPort, isolation modes and application name; {@link Status#active()} false without it. */
    public static Status status() {
        if (STATUS == null && MISMATCH == null) {
            return new Status(false, null, null, null);
        }
        check();
        try {
            String[] s = (String[]) STATUS.invokeExact();
            return new Status(true, s[0], s[1], s[2]);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * What the agent in this JVM uses.
     *
     * @param active    whether the agent runs and serves this API
     * @param socksPort the SocksPort, {@code host:port}; null without the agent
     * @param isolate   the isolation modes, as the {@code isolate} argument writes them; null without the agent
     * @param app       the application's name in its isolation keys; null without the agent
     */
    public record Status(boolean active, String socksPort, String isolate, String app) {
    }

    /** Enters {@code scope}, or leaves every scope when it is null; returns the scope it replaced. */
    private static String enterOrLeave(String scope) {
        check();
        try {
            return (String) ENTER.invokeExact(scope);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void exit(String previous) {
        try {
            EXIT.invokeExact(previous);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void requireScope(String scope) {
        if (scope == null || scope.isEmpty()) {
            throw new IllegalArgumentException("scope: " + (scope == null ? "null" : "\"\"")
                    + " (expected: a non-empty name, e.g. an account or identity name)");
        }
    }

    private static void check() {
        if (MISMATCH != null) {
            throw new IllegalStateException(MISMATCH);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new IllegalStateException(t);
    }
}
