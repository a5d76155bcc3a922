package org.streamiso.agent.it;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.streamiso.control.StreamEvent;
import org.streamiso.testnet.PrivateTorNetwork;
import org.streamiso.testnet.StreamEvents;
import org.streamiso.testnet.TorNetworks;

/**
 * The JVM that holds {@link TorLeakNamespace}'s network namespace: started inside it without the agent, it starts
 * the private Tor network ({@link TorNetworks#shared()}, so with its MapAddress names), writes
 * {@code socksPort=P} and {@code controlPort=C} to the file given once every SocksPort carries a stream, appends
 * every STREAM event of the client's ControlPort to {@code FILE.streams} ({@code StreamID StreamStatus CircuitID
 * Target}, one a line), and runs until its standard input closes, which stops every tor.
 *
 * <p>{@code java TorNamespaceHarness PORTS_FILE}; the tors' work directory is {@code -Dstreamiso.testnet.dir}.
 */
public final class TorNamespaceHarness {
    private TorNamespaceHarness() {
    }

    public static void main(String[] args) throws Exception {
        Path ports = Path.of(args[0]);
        PrivateTorNetwork tor = TorNetworks.shared();
        StreamEvents events = StreamEvents.open(tor);
        Thread writer = new Thread(() -> appendEvents(events, Path.of(args[0] + ".streams")), "stream-event-writer");
        writer.setDaemon(true);
        writer.start();
        Path tmp = Path.of(args[0] + ".tmp");
        Files.writeString(tmp, "socksPort=" + tor.socksPorts().get(0).getPort() + "\ncontrolPort="
                + tor.controlPort().getPort() + "\n");
        Files.move(tmp, ports, StandardCopyOption.ATOMIC_MOVE);
        // The fixture closes our standard input when it is done, or when it dies; either way the tors stop.
        while (System.in.read() >= 0) {
            // Nothing is ever sent; reading only waits for the end.
        }
        events.close();
        tor.close();
    }

    /** Appends each STREAM event as one whole line, so a reader never sees half an event. */
    private static void appendEvents(StreamEvents events, Path file) {
        int written = 0;
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            while (true) {
                List<StreamEvent> all = events.events();
                StringBuilder lines = new StringBuilder();
                for (StreamEvent e : all.subList(written, all.size())) {
                    lines.append(e.streamId()).append(' ').append(e.status()).append(' ').append(e.circuitId())
                            .append(' ').append(e.target()).append('\n');
                }
                written = all.size();
                out.write(lines.toString());
                out.flush();
                Thread.sleep(50); // a poll interval: StreamEvents has no listener
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("stream-event-writer stopped: " + e);
        }
    }
}
