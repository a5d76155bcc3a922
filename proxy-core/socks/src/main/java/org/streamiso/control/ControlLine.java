package org.streamiso.control;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments of one ControlPort event line: positional arguments, then {@code KEY=VALUE} pairs whose values may
 * be quoted strings with backslash escapes.
 *
 * @param arguments the leading arguments without {@code =}, e.g. StreamID, StreamStatus, CircuitID, Target
 * @param keywords  the {@code KEY=VALUE} pairs, unquoted
 * @see <a href="https://spec.torproject.org/control-spec/replies.html">control-spec, replies and events</a>
 */
public record ControlLine(List<String> arguments, Map<String, String> keywords) {

    public ControlLine {
        arguments = List.copyOf(arguments);
        keywords = Collections.unmodifiableMap(new LinkedHashMap<>(keywords));
    }

    /** Parses {@code data}, the line after the event keyword. Never throws on odd input: it keeps what it can. */
    public static ControlLine parse(String data) {
        List<String> arguments = new ArrayList<>();
        Map<String, String> keywords = new LinkedHashMap<>();
        int i = 0;
        int n = data.length();
        while (i < n) {
            while (i < n && data.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            int start = i;
            StringBuilder value = null;
            String key = null;
            while (i < n && data.charAt(i) != ' ') {
                char c = data.charAt(i);
                if (c == '=' && key == null && isKeyword(data, start, i)) {
                    key = data.substring(start, i);
                    i++;
                    if (i < n && data.charAt(i) == '"') {
                        value = new StringBuilder();
                        i++;
                        while (i < n && data.charAt(i) != '"') {
                            if (data.charAt(i) == '\\' && i + 1 < n) {
                                i++;
                            }
                            value.append(data.charAt(i));
                            i++;
                        }
                        i++; // the closing quote
                        break;
                    }
                    start = i;
                    continue;
                }
                i++;
            }
            if (key != null) {
                keywords.put(key, value != null ? value.toString() : data.substring(start, Math.min(i, n)));
            } else {
                arguments.add(data.substring(start, i));
            }
        }
        return new ControlLine(arguments, keywords);
    }

    /** Whether {@code data[start, end)} is a keyword: a relay's {@code $FINGERPRINT=nickname} is not. */
    private static boolean isKeyword(String data, int start, int end) {
        if (end == start) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = data.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || i > start && c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    /** The positional argument at {@code index}, or {@code ""} when there are fewer. */
    public String argument(int index) {
        return index < arguments.size() ? arguments.get(index) : "";
    }
}
