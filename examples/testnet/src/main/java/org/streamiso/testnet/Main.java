package org.streamiso.testnet;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * Runs the private Tor network until Ctrl-C, for the demo:
 * {@code java -jar streamiso-testnet-*-standalone.jar [--dir DIR] [--timeout SECONDS]}.
 *
 * <p>It prints the SocksPorts, the ControlPort, the cookie file and the mapped names; the tors
 * stop when this JVM exits.
 */
public final class Main {

    private static final String USAGE = "usage: java -jar streamiso-testnet-*-standalone.jar [--dir DIR] [--timeout SECONDS]";

    private Main() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = null;
        Duration timeout = PrivateTorNetwork.DEFAULT_BOOTSTRAP_TIMEOUT;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--dir" -> dir = Path.of(required("--dir", value));
                case "--timeout" -> timeout = Duration.ofSeconds(seconds(required("--timeout", value)));
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> fail("argument: \"" + args[i] + "\" (expected: --dir DIR or --timeout SECONDS)");
            }
            i++;
        }
        if (dir == null) {
            dir = Files.createTempDirectory("streamiso-testnet-");
        }

        PrivateTorNetwork network;
        try {
            network = PrivateTorNetwork.builder(dir).mapAddresses(TorNetworks.mapAddresses())
                    .bootstrapTimeout(timeout).infoLogs(Boolean.getBoolean(TorNetworks.INFO_LOGS_PROPERTY)).start();
        } catch (IOException | IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        // The network's own shutdown hook stops every tor on Ctrl-C.
        PrintStream out = System.out;
        out.println();
        out.printf("streamiso private Tor network is up (%.1f s). Work directory: %s%n",
                network.bootstrapTime().toMillis() / 1000.0, network.workDir());
        out.println("SocksPorts:                 " + network.socksPorts().stream()
                .map(Main::hostPort).collect(Collectors.joining(" ")));
        out.println("SocksPort IsolateDestAddr:  " + hostPort(network.isolateDestAddrSocksPort()));
        out.println("ControlPort:                " + hostPort(network.controlPort()));
        out.println("Cookie file:                " + network.cookieFile());
        out.println("Torrc for another client:   " + network.otherClientTorrc());
        out.println("Mapped names:               " + network.mappedNames().entrySet().stream()
                .map(entry -> entry.getKey() + " -> " + entry.getValue()).collect(Collectors.joining(", ")));
        out.println("Exits accept:               127.0.0.0/8 only; any other name fails with SOCKS5 reply 0x04");
        out.println("Press Ctrl-C to stop.");
        out.flush();
        new CountDownLatch(1).await();
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private static String required(String option, String value) {
        if (value == null) {
            fail(option + ": missing (expected: a value after it)");
        }
        return value;
    }

    private static long seconds(String value) {
        try {
            long seconds = Long.parseLong(value);
            if (seconds > 0) {
                return seconds;
            }
        } catch (NumberFormatException ignored) {
            // Reported below, with the value.
        }
        fail("--timeout: \"" + value + "\" (expected: a positive number of seconds)");
        return 0;
    }

    private static void fail(String message) {
        System.err.println(message);
        System.err.println(USAGE);
        System.exit(2);
    }
}
