package org.streamiso.agent.it;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The other side of the syscall-trace test, run without the agent inside the same loopback-only network
 * namespace: a SOCKS5 server that maps every name to a web server, and a canary. Writes
 * {@code socksPort webPort canaryPort deadPort} to the file given, then serves until it is killed.
 */
public final class LeakHarness {
    private LeakHarness() {
    }

    public static void main(String[] args) throws Exception {
        TestWebServer web = new TestWebServer();
        RecordingSocks5Server socks = new RecordingSocks5Server(q -> new InetSocketAddress("127.0.0.1", web.port()));
        CanaryListener canary = new CanaryListener();
        Path ports = Path.of(args[0]);
        Path tmp = Path.of(args[0] + ".tmp");
        Files.writeString(tmp, socks.port() + " " + web.port() + " " + canary.port() + " " + CanaryListener.deadPort() + "\n");
        Files.move(tmp, ports);
        Path canaryCount = Path.of(args[0] + ".canary");
        while (true) {
            Files.writeString(canaryCount, Integer.toString(canary.accepted()));
            Thread.sleep(100);
        }
    }
}
