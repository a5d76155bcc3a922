package org.streamiso.proxy.status;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.streamiso.proxy.internal.Json;
import org.streamiso.proxy.internal.Log;

/**
 * The connections of the status endpoint: accepted on its port, each served on one of a few handler threads, one
 * request per connection ({@link StatusHttp}), each bounded in time.
 *
 * <p><b>Important:</b> no client can hold the endpoint for others. {@value #HANDLER_THREADS} daemon threads serve
 * the connections; a request must arrive whole within {@link #REQUEST_DEADLINE} of a thread taking it (request line
 * and headers at most {@value StatusHttp#MAX_HEADER_BYTES} bytes, a body at most
 * {@value StatusHttp#MAX_BODY_BYTES}, read and dropped), else it is answered 408 and closed; a connection still
 * open {@link #RESPONSE_DEADLINE} later (a client that does not read its answer) is closed. Up to
 * {@value #QUEUED_CONNECTIONS} connections wait for a thread; further ones are answered 503 at once, so none waits
 * for long.
 */
final class StatusConnections implements AutoCloseable {
    /** Threads that serve requests, each one connection at a time. */
    static final int HANDLER_THREADS = 4;
    /** Accepted connections that may wait for a handler thread; beyond them, 503 at once. */
    static final int QUEUED_CONNECTIONS = 16;
    /** How long a request, body included, may take to arrive once a thread has taken its connection. */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(5);
    /** How much longer the answer may take to be read before the connection is closed. */
    static final Duration RESPONSE_DEADLINE = Duration.ofSeconds(10);

    /** What answers a request that was read whole. */
    @FunctionalInterface
    interface Handler {
        void handle(Socket socket, StatusHttp.Request request) throws IOException;
    }

    private final ServerSocket listener;
    private final InetSocketAddress address;
    private final Handler handler;
    private final Log log;
    private final ThreadPoolExecutor handlers;
    private final ScheduledThreadPoolExecutor watchdog;
    private final Thread acceptor;
    /** Connections accepted and not yet closed: {@link #close()} cuts them off. */
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private StatusConnections(ServerSocket listener, Handler handler, Log log) {
        this.listener = listener;
        this.address = (InetSocketAddress) listener.getLocalSocketAddress();
        this.handler = handler;
        this.log = log;
        this.handlers = new ThreadPoolExecutor(HANDLER_THREADS, HANDLER_THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED_CONNECTIONS), daemons("streamiso-proxy-core-status-"));
        handlers.allowCoreThreadTimeOut(true);
        this.watchdog = new ScheduledThreadPoolExecutor(1, daemons("streamiso-proxy-core-status-watchdog-"));
        watchdog.setRemoveOnCancelPolicy(true);
        this.acceptor = new Thread(this::acceptLoop, "streamiso-proxy-core-status-accept");
        acceptor.setDaemon(true);
    }

    /**
     * Binds {@code address} and serves its connections with {@code handler}.
     *
     * @throws IOException when it cannot be bound, with the message proxy-core prints
     */
    static StatusConnections start(InetSocketAddress address, Handler handler, Log log) throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.bind(address, QUEUED_CONNECTIONS);
        } catch (IOException e) {
            listener.close();
            throw new IOException("Could not serve the status endpoint on " + StatusCollector.hostPort(address) + ": "
                    + e.getMessage() + "; proxy-core did not start. Is another program using that port? Choose"
                    + " another with --status.", e);
        }
        StatusConnections connections = new StatusConnections(listener, handler, log);
        connections.acceptor.start();
        return connections;
    }

    /** The bound address (with the real port where 0 was asked). */
    InetSocketAddress address() {
        return address;
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread thread = new Thread(r, prefix + n.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        };
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // E.g. too many open files: the client waits in the backlog; do not spin while none frees up.
                log.debug("Could not accept a status connection: " + e + "; trying again in 100 ms.");
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            connections.add(socket);
            if (closed) {
                closeQuietly(socket);
                return;
            }
            try {
                handlers.execute(() -> serve(socket));
            } catch (RejectedExecutionException e) {
                refuseBusy(socket);
            }
        }
    }

    /** Serves one connection: one request, read within the deadline, and its answer. */
    private void serve(Socket socket) {
        ScheduledFuture<?> cutOff = null;
        try (socket) {
            cutOff = watchdog.schedule(() -> closeQuietly(socket),
                    REQUEST_DEADLINE.plus(RESPONSE_DEADLINE).toMillis(), TimeUnit.MILLISECONDS);
            StatusHttp.Request request;
            try {
                request = StatusHttp.read(socket, System.nanoTime() + REQUEST_DEADLINE.toNanos(),
                        REQUEST_DEADLINE.toMillis());
            } catch (StatusHttp.BadRequest e) {
                log.debug("A status request was not read: " + e.getMessage());
                if (e.code != 0) {
                    StatusHttp.respond(socket, null, e.code, error(e.getMessage()), null);
                }
                return;
            }
            handler.handle(socket, request);
        } catch (IOException | RuntimeException e) {
            log.debug("A status request failed: " + e);
        } finally {
            if (cutOff != null) {
                cutOff.cancel(false);
            }
            connections.remove(socket);
        }
    }

    /** Answers 503 on the accepting thread: the answer is small, and a new connection's buffer takes it whole. */
    private void refuseBusy(Socket socket) {
        try (socket) {
            log.debug("A status connection was answered 503: every handler is busy and " + QUEUED_CONNECTIONS
                    + " connections wait.");
            StatusHttp.respond(socket, null, 503, error("The status endpoint is serving " + HANDLER_THREADS
                    + " requests and " + QUEUED_CONNECTIONS + " more wait, so this one was refused at once. Some"
                    + " client opens requests without finishing them (each is cut off after "
                    + REQUEST_DEADLINE.toMillis() + " ms); try again in a few seconds."), null);
        } catch (IOException | RuntimeException e) {
            log.debug("A status request failed: " + e);
        } finally {
            connections.remove(socket);
        }
    }

    /** The JSON body of an error answer. */
    static String error(String message) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("error", message);
            json.writeEndObject();
        });
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Cutting a connection off: nothing to tell.
        }
    }

    /** Stops serving at once; a request in progress is cut off. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        handlers.shutdownNow();
        watchdog.shutdownNow();
        for (Socket socket : connections) {
            closeQuietly(socket);
        }
    }
}
