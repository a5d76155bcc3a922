package org.streamiso.proxy.status;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code status} command's view: the JSON of {@code GET /status} (parsed) as a few summary lines and four
 * aligned tables: keys by application and isolation kind with their circuits and exits, streams by client and key,
 * refusals by client and key, then circuits. Unknown or missing members print as {@code -}, so an older or newer
 * proxy-core still gives a readable view.
 */
public final class StatusTable {
    private StatusTable() {
    }

    /** Renders the parsed JSON document of {@code GET /status}. */
    public static String render(Object document) {
        Map<?, ?> status = map(document);
        StringBuilder out = new StringBuilder();
        out.append("proxy-core status at ").append(text(status.get("takenAt")));
        out.append(Boolean.TRUE.equals(status.get("unsafeLogging"))
                ? " (--unsafe-logging: destinations and keys in clear)\n"
                : " (destinations and keys [scrubbed]; --unsafe-logging shows them)\n");

        Map<?, ?> audit = map(status.get("audit"));
        if (Boolean.TRUE.equals(audit.get("on"))) {
            Object bootstrap = audit.get("bootstrap");
            out.append("Tor: ControlPort ").append(Boolean.TRUE.equals(audit.get("connected")) ? "connected" : "LOST")
                    .append(", bootstrapped ").append(bootstrap instanceof Long b && b >= 0 ? b + "%" : "?")
                    .append("; isolation audit: ");
            Object violations = audit.get("violations");
            if (violations instanceof Long v && v == 0) {
                out.append("no violation\n");
            } else {
                out.append(text(violations)).append(" VIOLATIONS on circuits ")
                        .append(String.join(", ", strings(audit.get("violatedCircuits")))).append('\n');
            }
        } else {
            out.append("Tor: no --tor-control, so no circuits, exits or isolation audit\n");
        }

        List<String> ports = new ArrayList<>();
        for (Object o : list(status.get("torSocksPorts"))) {
            Map<?, ?> port = map(o);
            ports.add(text(port.get("address")) + (Boolean.TRUE.equals(port.get("up")) ? " up" : " DOWN"));
        }
        out.append("SocksPorts: ").append(ports.isEmpty() ? "-" : String.join(", ", ports)).append('\n');

        Map<?, ?> t = map(status.get("totals"));
        out.append("Streams: ").append(text(t.get("open"))).append(" open, ").append(text(t.get("accepted")))
                .append(" accepted, ").append(text(t.get("relayed"))).append(" relayed, ")
                .append(text(t.get("resolved"))).append(" resolved\n");
        out.append("Refused: ").append(text(t.get("refusedByTor"))).append(" by Tor, ")
                .append(text(t.get("refusedByProxy"))).append(" by proxy-core, ").append(text(t.get("malformed")))
                .append(" malformed, ").append(text(t.get("timedOut"))).append(" timed out, ")
                .append(text(t.get("upstreamFailures"))).append(" SocksPort failures\n");
        out.append("At --max-streams: ").append(text(t.get("evictedInHandshake")))
                .append(" evicted in their handshake, ").append(text(t.get("refusedAtMaxStreams")))
                .append(" refused at accept\n");
        out.append("Bytes: ").append(text(t.get("bytesFromClients"))).append(" from clients, ")
                .append(text(t.get("bytesToClients"))).append(" to clients\n\n");

        keysByApp(status, out);
        out.append('\n');

        List<String[]> streams = new ArrayList<>();
        streams.add(new String[] {"CLIENT", "KEY", "EPOCH", "STREAM", "STATE", "COMMAND", "DESTINATION", "UP", "DOWN",
            "AGE", "SOCKSPORT", "CIRCUIT", "EXIT"});
        for (Object c : list(status.get("clients"))) {
            Map<?, ?> client = map(c);
            for (Object k : list(client.get("keys"))) {
                Map<?, ?> key = map(k);
                String keyText = key.get("key") == null ? "(none)" : text(key.get("key"));
                for (Object s : list(key.get("streams"))) {
                    Map<?, ?> stream = map(s);
                    streams.add(new String[] {text(client.get("address")), keyText, text(stream.get("epoch")) + "/"
                            + text(key.get("epoch")), text(stream.get("id")), text(stream.get("state")),
                        text(stream.get("command")), text(stream.get("destination")),
                        text(stream.get("bytesFromClient")), text(stream.get("bytesToClient")),
                        seconds(stream.get("ageMillis")), text(stream.get("torSocksPort")),
                        text(stream.get("circuit")), text(stream.get("exit"))});
                }
            }
        }
        if (streams.size() == 1) {
            out.append("No open streams.\n");
        } else {
            table(streams, out);
        }
        out.append('\n');

        List<String[]> refusals = new ArrayList<>();
        refusals.add(new String[] {"CLIENT", "KEY", "REFUSED-BY-TOR", "REFUSED-BY-PROXY"});
        for (Object c : list(status.get("clients"))) {
            Map<?, ?> client = map(c);
            for (Object k : list(client.get("keys"))) {
                Map<?, ?> key = map(k);
                Object byTor = key.get("refusedByTor");
                Object byProxy = key.get("refusedByProxy");
                if (byTor instanceof Long t1 && t1 > 0 || byProxy instanceof Long p1 && p1 > 0) {
                    refusals.add(new String[] {text(client.get("address")),
                        key.get("key") == null ? "(none)" : text(key.get("key")), text(byTor), text(byProxy)});
                }
            }
        }
        if (refusals.size() == 1) {
            out.append("No refusals by key.\n");
        } else {
            table(refusals, out);
        }
        out.append('\n');

        List<String[]> circuits = new ArrayList<>();
        circuits.add(new String[] {"CIRCUIT", "EXIT", "STREAMS", "KEYS", "AUDIT"});
        for (Object o : list(status.get("circuits"))) {
            Map<?, ?> circuit = map(o);
            circuits.add(new String[] {text(circuit.get("id")), text(circuit.get("exit")),
                text(circuit.get("streams")), text(circuit.get("isolationKeys")),
                Boolean.TRUE.equals(circuit.get("violated")) ? "VIOLATED" : "ok"});
        }
        if (circuits.size() == 1) {
            out.append("No circuits carry streams of ours.\n");
        } else {
            table(circuits, out);
        }
        return out.toString();
    }

    /**
     * Apps → kinds → keys → circuits → exits: one row per circuit of a key, and one for a key's streams on no known
     * circuit (or for a key with refusals only).
     */
    private static void keysByApp(Map<?, ?> status, StringBuilder out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"APP", "KIND", "CLIENT", "KEY", "EPOCH", "STREAMS", "CIRCUIT", "EXIT"});
        for (Object a : list(status.get("apps"))) {
            Map<?, ?> app = map(a);
            for (Object k : list(app.get("kinds"))) {
                Map<?, ?> kind = map(k);
                for (Object e : list(kind.get("keys"))) {
                    Map<?, ?> key = map(e);
                    String[] lead = {text(app.get("app")), text(kind.get("kind")), text(key.get("client")),
                        key.get("key") == null ? "(none)" : text(key.get("key")), text(key.get("epoch"))};
                    long onCircuits = 0;
                    for (Object c : list(key.get("circuits"))) {
                        Map<?, ?> circuit = map(c);
                        onCircuits += circuit.get("streams") instanceof Long n ? n : 0;
                        rows.add(row(lead, text(circuit.get("streams")), text(circuit.get("id")),
                                text(circuit.get("exit"))));
                    }
                    Object open = key.get("openStreams");
                    long elsewhere = open instanceof Long n ? n - onCircuits : 0;
                    if (elsewhere > 0 || list(key.get("circuits")).isEmpty()) {
                        rows.add(row(lead, open instanceof Long ? Long.toString(elsewhere) : "-", "-", "-"));
                    }
                }
            }
        }
        if (rows.size() == 1) {
            out.append("No client keys.\n");
        } else {
            table(rows, out);
        }
    }

    private static String[] row(String[] lead, String... rest) {
        String[] row = new String[lead.length + rest.length];
        System.arraycopy(lead, 0, row, 0, lead.length);
        System.arraycopy(rest, 0, row, lead.length, rest.length);
        return row;
    }

    private static void table(List<String[]> rows, StringBuilder out) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String seconds(Object millis) {
        return millis instanceof Long m ? m / 1000 + "s" : "-";
    }

    /**
     * A value for one cell: a string as it is, with control characters (which a client could put in a destination
     * shown under unsafe logging) made visible so that they cannot rewrite the terminal.
     */
    private static String text(Object value) {
        if (value == null) {
            return "-";
        }
        String s = value.toString();
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || c >= 0x80 && c < 0xA0 || c == ' ') {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        for (Object item : list(o)) {
            out.add(text(item));
        }
        return out;
    }
}
