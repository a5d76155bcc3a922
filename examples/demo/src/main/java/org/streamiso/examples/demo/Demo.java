package org.streamiso.examples.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvent;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworks;

/**
 * The one-command demo: an unmodified application reaches a loopback web server through a private Tor
 * network by a name only Tor knows, under {@code -javaagent:agent/target/streamiso.jar}.
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        Path agent = Path.of("agent/target/streamiso.jar");
        Path fetch = Path.of("examples/fetch/target/fetch.jar");
        for (Path p : List.of(agent, fetch)) {
            if (!Files.isRegularFile(p)) {
                System.err.println("demo: " + p + " is missing; nothing was started. Run from the project root after "
                        + "`mvn -B -q package -DskipTests`.");
                System.exit(2);
            }
        }
        HttpServer web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        web.createContext("/", exchange -> {
            byte[] body = "hello through Tor, from the demo's web server on 127.0.0.1\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        web.start();
        Path dir = Files.createTempDirectory("streamiso-demo");
        try (PrivateTorNetwork tor = PrivateTorNetwork.start(dir, TorNetworks.mapAddresses());
                StreamEvents events = StreamEvents.open(tor)) {
            int socksPort = tor.socksPorts().get(0).getPort();
            int port = web.getAddress().getPort();
            String url = "http://" + TorNetworks.WEB_NAME + ":" + port + "/";
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-javaagent:" + agent + "=port=" + socksPort + ",log=info", "-jar", fetch.toString(), url);
            System.out.println("demo: " + String.join(" ", command));
            Process app = new ProcessBuilder(command).inheritIO().start();
            int exit = app.waitFor();
            for (StreamEvent e : events.events()) {
                if (StreamEvent.SUCCEEDED.equals(e.status()) && e.targetPort() == port) {
                    System.out.println("demo: Tor stream " + e.streamId() + " to " + e.target() + " on circuit "
                            + e.circuitId());
                }
            }
            System.out.println(exit == 0 ? "demo: done; the application never resolved or connected outside Tor."
                    : "demo: the application failed (exit " + exit + "); see its output above.");
            Thread.sleep(Duration.ofMillis(200).toMillis());
        } finally {
            web.stop(0);
        }
    }
}
