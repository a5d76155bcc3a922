package org.streamiso.proxy.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON (RFC 8259) for the status endpoint and its client, on Jackson's streaming core: documents are written with
 * a {@link JsonGenerator} and read into plain Java values.
 *
 * <p>Strings are escaped so that any Java string, including ones a client sent (a destination under unsafe
 * logging), gives valid JSON that reads back as the same string: besides what JSON requires (quote, backslash,
 * control characters), DEL, U+2028 and U+2029 (which break JavaScript parsers) and every surrogate (an unpaired one
 * has no UTF-8 form) are written as {@code \}{@code uXXXX}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8259">RFC 8259</a>
 */
public final class Json {
    /** The deepest nesting {@link #parse} reads; the status document has six levels. */
    static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .characterEscapes(new Escapes())
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    private Json() {
    }

    /** What writes one document. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    /** The document that {@code body} writes, compact. */
    public static String write(Body body) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            body.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail; a misnested document does
        }
        return out.toString();
    }

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s) {
        return write(json -> json.writeString(s));
    }

    /**
     * Parses one JSON document: objects become {@link Map}s (in document order), arrays {@link List}s, strings
     * {@link String}s, integers {@link Long}s, other numbers {@link Double}s, and {@code true}, {@code false},
     * {@code null} themselves. Nesting is limited to {@value #MAX_DEPTH} levels.
     *
     * @throws IllegalArgumentException {@code json: invalid at offset N (expected: ...)} for malformed input
     */
    public static Object parse(String text) {
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() == null) {
                throw new IllegalArgumentException("json: the end at offset 0 (expected: a value)");
            }
            Object value = value(parser);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("json: more at offset " + parser.currentTokenLocation()
                        .getCharOffset() + " (expected: the end of the document)");
            }
            return value;
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            int marker = message.indexOf(" (start marker at");
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("json: invalid" + (at != null ? " at offset " + at.getCharOffset() : "")
                    + " (expected: RFC 8259 JSON; " + (marker > 0 ? message.substring(0, marker) : message) + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String does not fail to read
        }
    }

    /** The value whose first token {@code parser} is at. */
    private static Object value(JsonParser parser) throws IOException {
        switch (parser.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> members = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    members.put(name, value(parser));
                }
                return members;
            }
            case START_ARRAY -> {
                List<Object> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(value(parser));
                }
                return items;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT -> {
                return parser.getLongValue(); // beyond a long: InputCoercionException, a JsonProcessingException
            }
            case VALUE_NUMBER_FLOAT -> {
                return parser.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IllegalStateException("json: token " + parser.currentToken() + " where a value"
                    + " starts; the parser gave what it should not");
        }
    }

    /** The escapes beyond JSON's own: see the class comment. */
    private static final class Escapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;

        private final int[] ascii;

        Escapes() {
            ascii = standardAsciiEscapesForJSON();
            for (int c = 0; c < 0x20; c++) {
                if (ascii[c] == ESCAPE_STANDARD) { // not one of \b \f \n \r \t: \\u00xx, in lower case
                    ascii[c] = ESCAPE_CUSTOM;
                }
            }
            ascii[0x7F] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int c) {
            if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029' || Character.isSurrogate((char) c)) {
                return new SerializedString(String.format("\\u%04x", c));
            }
            return null;
        }
    }
}
