package org.streamiso.testnet;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.streamiso.control.ControlLine;

/**
 * One STREAM event of Tor's ControlPort: which stream changed status, on which circuit, to which
 * target.
 *
 * <p>Two streams were carried on different circuits when the circuit ids of their SUCCEEDED events
 * differ; that is how the tests prove isolation.
 *
 * @param streamId  the StreamID
 * @param status    the StreamStatus: NEW, NEWRESOLVE, REMAP, SENTCONNECT, SENTRESOLVE, SUCCEEDED,
 *                  FAILED, CLOSED, DETACHED, CONTROLLER_WAIT or XOFF_/XON_ states
 * @param circuitId the CircuitID, "0" while the stream is on no circuit
 * @param target    {@code host:port} as Tor reports it; after MapAddress, the mapped address
 * @param keywords  the keyword arguments that follow, such as REASON, SOURCE_ADDR, PURPOSE
 * @see <a href="https://spec.torproject.org/control-spec/replies.html#STREAM">control-spec, STREAM</a>
 */
public record StreamEvent(String streamId, String status, String circuitId, String target,
        Map<String, String> keywords) {

    /** Status of a stream that is connected and carrying data. */
    public static final String SUCCEEDED = "SUCCEEDED";
    /** Status of a stream that Tor gave up on. */
    public static final String FAILED = "FAILED";

    private static final String PREFIX = "650 STREAM ";

    public StreamEvent {
        keywords = Collections.unmodifiableMap(new LinkedHashMap<>(keywords));
    }

    /**
     * Parses {@code 650 STREAM StreamID StreamStatus CircuitID Target [keyword=value ...]} with production's
     * {@link ControlLine}, so a quoted value keeps its spaces and escapes ({@code SOCKS_USERNAME="a b\"c"}).
     *
     * @throws IllegalArgumentException when the line is not a STREAM event
     */
    public static StreamEvent parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("line: \"" + line + "\" (expected: 650 STREAM ...)");
        }
        ControlLine fields = ControlLine.parse(line.substring(PREFIX.length()));
        if (fields.arguments().size() < 4) {
            throw new IllegalArgumentException("line: \"" + line
                    + "\" (expected: 650 STREAM StreamID StreamStatus CircuitID Target)");
        }
        return new StreamEvent(fields.argument(0), fields.argument(1), fields.argument(2), fields.argument(3),
                fields.keywords());
    }

    /** The port of {@link #target()}, or -1 when the target has none. */
    public int targetPort() {
        int colon = target.lastIndexOf(':');
        if (colon < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The host of {@link #target()}, without the port. */
    public String targetHost() {
        int colon = target.lastIndexOf(':');
        return colon < 0 ? target : target.substring(0, colon);
    }
}
