package org.streamiso.proxy.internal;

/**
 * A small JSON writer (RFC 8259) for the status endpoint: objects, arrays, strings, integers, booleans and null,
 * written compactly in call order. It checks nothing about nesting; callers write well-formed documents.
 *
 * <p>Strings are escaped so that any Java string, including ones a client sent (a destination under unsafe
 * logging), gives valid JSON: quote, backslash and every control character are escaped, and so are U+2028, U+2029
 * (which break JavaScript parsers) and unpaired surrogates (which have no UTF-8 form).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8259#section-7">RFC 8259, strings</a>
 */
public final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out = new StringBuilder(256);
    /** Whether a value was written at the current level, so the next one needs a comma. */
    private boolean comma;
    /** Whether a member name was just written, so the next value needs no comma. */
    private boolean afterName;

    public JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        comma = false;
        return this;
    }

    public JsonWriter endObject() {
        out.append('}');
        comma = true;
        return this;
    }

    public JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        comma = false;
        return this;
    }

    public JsonWriter endArray() {
        out.append(']');
        comma = true;
        return this;
    }

    /** A member name; the next call writes its value. */
    public JsonWriter name(String name) {
        if (comma) {
            out.append(',');
        }
        quote(name, out);
        out.append(':');
        afterName = true;
        return this;
    }

    /** A string, or null. */
    public JsonWriter value(String value) {
        beforeValue();
        if (value == null) {
            out.append("null");
        } else {
            quote(value, out);
        }
        comma = true;
        return this;
    }

    public JsonWriter value(long value) {
        beforeValue();
        out.append(value);
        comma = true;
        return this;
    }

    public JsonWriter value(boolean value) {
        beforeValue();
        out.append(value);
        comma = true;
        return this;
    }

    private void beforeValue() {
        if (afterName) {
            afterName = false;
        } else if (comma) {
            out.append(',');
        }
    }

    /** The document written so far. */
    @Override
    public String toString() {
        return out.toString();
    }

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(s, sb);
        return sb.toString();
    }

    private static void quote(String s, StringBuilder sb) {
        sb.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029') {
                        unicodeEscape(c, sb);
                    } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        unicodeEscape(c, sb); // unpaired: valid JSON text, though not a character
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void unicodeEscape(char c, StringBuilder sb) {
        sb.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF])
                .append(HEX[c & 0xF]);
    }
}
