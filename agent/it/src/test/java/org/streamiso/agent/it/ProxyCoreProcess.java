package org.streamiso.agent.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.streamiso.testing.Canary;

/** proxy-core's jar in a process of its own, listening on a free loopback port, for the real-Tor tests. */
final class ProxyCoreProcess implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("streamiso.proxy-core.jar",
            "../../proxy-core/target/proxy-core.jar"));

    private final Process process;
    private final int port;

    /** Starts {@code proxy-core.jar --listen 127.0.0.1:PORT ARGS} and waits until it listens. */
    ProxyCoreProcess(String... args) throws Exception {
        port = Canary.deadPort();
        List<String> command = new ArrayList<>(List.of(ForkedJvm.java(), "-jar", JAR.toAbsolutePath().toString(),
                "--listen", "127.0.0.1:" + port));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("proxy-core did not listen on 127.0.0.1:" + port + " within 60 s "
                            + "(alive: " + process.isAlive() + ")", e);
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
