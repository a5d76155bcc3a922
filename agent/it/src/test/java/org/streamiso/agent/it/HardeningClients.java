package org.streamiso.agent.it;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An unmodified application for the hardening tests: local names the machine's resolver would send to DNS,
 * loopback connects after a local lookup, link-local destinations, and connects whose SocksPort never answers.
 * Prints {@code PATH: OK ...} or {@code PATH: EXC ...} per path, like {@link Clients}.
 *
 * <p>Usage: {@code HardeningClients local-names WEBPORT} (every name path, then {@code loopback-after-lookup});
 * {@code link-local}; {@code silent HOST PORT} (the {@link #SILENT_PATHS} against a SocksPort that accepts and
 * never answers, each with the time it took); {@code interrupt HOST PORT}.
 */
public final class HardeningClients {
    /** Names that glibc would send to the DNS server (the hosts file has them only without the root dot). */
    public static final List<String> LOCAL_NAME_PATHS = List.of("localhost-dotted", "localhost-upper-dotted",
            "literal-dotted", "own-host-dotted", "get-local-host", "url-localhost-dotted");

    /**
     * The paths that wait for a SocksPort which never answers; none sets a connect timeout of its own. The lookup
     * goes first: the JDK caches its failure, which the later paths would meet instead of the SocksPort.
     */
    public static final List<String> SILENT_PATHS = List.of("lookup", "socket", "channel-blocking",
            "channel-non-blocking", "async-future");

    private HardeningClients() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "local-names": {
                int web = Integer.parseInt(args[1]);
                for (String path : LOCAL_NAME_PATHS) {
                    System.out.print(path + ": ");
                    Clients.report(() -> localName(path, web));
                }
                System.out.print("loopback-after-lookup: ");
                Clients.report(() -> {
                    InetAddress.getByName("localhost");
                    InetAddress.getLocalHost();
                    return Clients.fetch("socket", "socket", "127.0.0.1", web);
                });
                return;
            }
            case "link-local":
                // A zone by name needs an interface with a link-local address; lo is interface 1 in the namespace.
                for (String target : List.of("fe80::1%1", "fe80::abcd", "169.254.169.254")) {
                    System.out.print("resolved " + target + ": ");
                    Clients.report(() -> connect(new InetSocketAddress(InetAddress.getByName(target), 80)));
                }
                for (String target : List.of("fe80::1%lo", "fe80::1%enx00163e5d6c01", "fe80::abcd", "169.254.169.254")) {
                    System.out.print("unresolved " + target + ": ");
                    Clients.report(() -> connect(InetSocketAddress.createUnresolved(target, 80)));
                }
                return;
            case "silent":
                for (String path : SILENT_PATHS) {
                    if (!path.startsWith("virtual") || Runtime.version().feature() >= 21) {
                        System.out.print(path + ": ");
                        long start = System.nanoTime();
                        Clients.report(() -> path.equals("lookup") ? InetAddress.getByName(args[1]).toString()
                                : Clients.fetch(path, "silent", args[1], Integer.parseInt(args[2])));
                        System.out.println(path + " took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                                + " ms");
                    }
                }
                return;
            case "interrupt": {
                CompletableFuture<String> result = new CompletableFuture<>();
                Thread t = new Thread(() -> {
                    try (SocketChannel ch = SocketChannel.open()) {
                        ch.connect(InetSocketAddress.createUnresolved(args[1], Integer.parseInt(args[2])));
                        result.complete("connected");
                    } catch (Throwable e) {
                        result.completeExceptionally(e);
                    }
                }, "interrupted-client");
                long start = System.nanoTime();
                t.start();
                Thread.sleep(500); // let the connect reach the handshake wait
                t.interrupt();
                Clients.report(() -> {
                    try {
                        return result.get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw (Exception) e.getCause();
                    }
                });
                System.out.println("took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
                return;
            }
            default:
                throw new IllegalArgumentException("mode: " + args[0]
                        + " (expected: local-names, link-local, silent or interrupt)");
        }
    }

    private static String localName(String path, int web) throws Exception {
        switch (path) {
            case "localhost-dotted": return addresses("localhost.");
            case "localhost-upper-dotted": return addresses("LOCALHOST.");
            case "literal-dotted": return addresses("127.0.0.1.");
            case "own-host-dotted": return addresses(InetAddress.getLocalHost().getHostName() + ".");
            case "get-local-host": return InetAddress.getLocalHost().toString();
            case "url-localhost-dotted":
                try (InputStream in = new URL("http://localhost.:" + web + "/dotted").openStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
                }
            default: throw new IllegalArgumentException(path);
        }
    }

    private static String addresses(String name) throws Exception {
        return Arrays.stream(InetAddress.getAllByName(name)).map(InetAddress::toString)
                .collect(Collectors.joining(" "));
    }

    private static String connect(InetSocketAddress target) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(target, 5000);
            return "connected to " + s.getRemoteSocketAddress();
        }
    }
}
