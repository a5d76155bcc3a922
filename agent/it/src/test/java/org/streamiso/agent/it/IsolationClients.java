package org.streamiso.agent.it;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.streamiso.isolation.StreamIsolation;

/**
 * An application for the isolation tests: runs steps one after another, each printing {@code STEP: OK ...} or
 * {@code STEP: EXC ...}, so that a test can tell which stream came from which thread, scope and destination.
 *
 * <p>Steps: {@code fetch:THREAD:SCOPE:HOST:PORT} fetches {@code http://HOST:PORT/} over a plain Socket on the thread
 * labelled THREAD (each label is one thread, kept for later steps) in SCOPE ({@code -}: none);
 * {@code lookup:THREAD:SCOPE:HOST} looks HOST up; {@code child:SCOPE:HOST:PORT} fetches from a thread started inside
 * SCOPE; {@code pool:SCOPE:HOST:PORT} submits the fetch from inside SCOPE to a pool thread started outside any scope,
 * wrapped with {@link StreamIsolation#wrap(Runnable)}; {@code inherited-pool:SCOPE:HOST:PORT} gives a pool thread
 * started inside SCOPE a task wrapped outside any scope; {@code renew:SCOPE}; {@code status}.
 */
public final class IsolationClients {
    private static final Map<String, ExecutorService> THREADS = new HashMap<>();
    private static ExecutorService pool;

    private IsolationClients() {
    }

    public static void main(String[] args) throws Exception {
        pool = Executors.newSingleThreadExecutor();
        pool.submit(() -> { }).get(); // the pool's thread exists now, outside any scope
        try {
            for (String step : args) {
                System.out.print(step + ": ");
                Clients.report(() -> step(step.split(":", -1)));
            }
        } finally {
            pool.shutdownNow();
            for (ExecutorService t : THREADS.values()) {
                t.shutdownNow();
            }
        }
    }

    private static String step(String[] s) throws Exception {
        switch (s[0]) {
            case "fetch":
                return on(s[1], () -> inScope(s[2], () -> fetch(s[3], s[4])));
            case "lookup":
                return on(s[1], () -> inScope(s[2], () -> InetAddress.getByName(s[3]).toString()));
            case "child":
                return inScope(s[1], () -> {
                    CompletableFuture<String> result = new CompletableFuture<>();
                    Thread t = new Thread(() -> {
                        try {
                            result.complete(fetch(s[2], s[3]) + " scope=" + StreamIsolation.currentScope().orElse("-"));
                        } catch (Throwable e) {
                            result.completeExceptionally(e);
                        }
                    });
                    t.start();
                    return result.get(60, TimeUnit.SECONDS);
                });
            case "pool":
                return inScope(s[1], () -> {
                    CompletableFuture<String> result = new CompletableFuture<>();
                    pool.execute(StreamIsolation.wrap((Runnable) () -> {
                        try {
                            result.complete(fetch(s[2], s[3]) + " scope=" + StreamIsolation.currentScope().orElse("-"));
                        } catch (Throwable e) {
                            result.completeExceptionally(e);
                        }
                    }));
                    return result.get(60, TimeUnit.SECONDS);
                });
            case "inherited-pool": {
                // A pool whose thread was started inside SCOPE (so it inherited it), given a task wrapped outside any
                // scope: the task must run in no scope.
                ExecutorService born = StreamIsolation.call(s[1], () -> {
                    ExecutorService e = Executors.newSingleThreadExecutor();
                    e.submit(() -> { }).get();
                    return e;
                });
                try {
                    return born.submit(StreamIsolation.wrap(() -> fetch(s[2], s[3]) + " scope="
                            + StreamIsolation.currentScope().orElse("-"))).get(60, TimeUnit.SECONDS);
                } finally {
                    born.shutdownNow();
                }
            }
            case "renew":
                StreamIsolation.renew(s[1]);
                return "renewed";
            case "status":
                return StreamIsolation.status().toString();
            default:
                throw new IllegalArgumentException("step: " + String.join(":", s));
        }
    }

    private static String on(String thread, java.util.concurrent.Callable<String> task) throws Exception {
        ExecutorService t = THREADS.computeIfAbsent(thread, k -> Executors.newSingleThreadExecutor());
        Future<String> f = t.submit(task);
        try {
            return f.get(90, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private static String inScope(String scope, java.util.concurrent.Callable<String> task) throws Exception {
        return scope.equals("-") ? task.call() : StreamIsolation.call(scope, task);
    }

    private static String fetch(String host, String port) throws Exception {
        String response = Clients.fetch("socket", "isolation", host, Integer.parseInt(port));
        return response.substring(0, response.indexOf('\r'));
    }
}
