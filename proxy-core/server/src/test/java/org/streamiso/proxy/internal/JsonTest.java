package org.streamiso.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The status endpoint's JSON: RFC 8259 escapes, commas in the right places, and round trips through the reader. */
class JsonTest {

    @Test
    void escapesQuoteBackslashAndTheShortFormControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\\n\\r\\t\\b\\f/\"", Json.quote("a\"b\\c\n\r\t\b\f/"));
    }

    @Test
    void escapesEveryOtherControlCharacterAsUnicode() {
        assertEquals("\"\\u0000\\u0001\\u001f\\u007f\"", Json.quote("\u0000\u0001\u001f\u007f"));
    }

    @Test
    void escapesLineSeparatorsThatBreakJavaScript() {
        assertEquals("\"\\u2028\\u2029\"", Json.quote("\u2028\u2029"));
    }

    @Test
    void keepsNonAsciiButEscapesSurrogatesSoThatUnpairedOnesSurvive() {
        assertEquals("\"é€\\ud83d\\ude00\"", Json.quote("é€😀"));
        assertEquals("😀", Json.parse(Json.quote("😀")));
        assertEquals("\"\\ud83dx\\ude00\"", Json.quote("\ud83dx\ude00"));
        assertEquals("\"\\ud83d\"", Json.quote("\ud83d"));
    }

    @Test
    void writesCommasOnlyBetweenMembersAndItems() {
        String json = Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("a", 1);
            g.writeArrayFieldStart("b");
            g.writeString("x");
            g.writeBoolean(true);
            g.writeString((String) null);
            g.writeStartObject();
            g.writeEndObject();
            g.writeStartArray();
            g.writeEndArray();
            g.writeEndArray();
            g.writeObjectFieldStart("c");
            g.writeBooleanField("d", false);
            g.writeEndObject();
            g.writeNumberField("e", -7);
            g.writeEndObject();
        });
        assertEquals("{\"a\":1,\"b\":[\"x\",true,null,{},[]],\"c\":{\"d\":false},\"e\":-7}", json);
    }

    @Test
    void readerGivesBackWhatTheWriterWrote() {
        String json = Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("s", "tab\tquote\"");
            g.writeNumberField("n", Long.MIN_VALUE);
            g.writeArrayFieldStart("l");
            g.writeNumber(1);
            g.writeString("2");
            g.writeEndArray();
            g.writeStringField("z", null);
            g.writeEndObject();
        });
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "tab\tquote\"");
        expected.put("n", Long.MIN_VALUE);
        expected.put("l", List.of(1L, "2"));
        expected.put("z", null);
        assertEquals(expected, Json.parse(json));
    }

    @Test
    void everyCharacterRoundTrips() {
        char[] all = new char[0x10000];
        for (int c = 0; c < all.length; c++) {
            all[c] = (char) c;
        }
        String s = new String(all);
        assertEquals(s, Json.parse(Json.quote(s)));
    }

    @Test
    void randomHostileStringsRoundTripAsMemberNamesAndValues() {
        Random random = new Random(4);
        char[] alphabet = "\"\\/\u0000\u001f\u007f\u2028\ud800\udc00 {}[],:ab\u00e9".toCharArray();
        for (int i = 0; i < 2000; i++) {
            char[] chars = new char[random.nextInt(12)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = alphabet[random.nextInt(alphabet.length)];
            }
            String s = new String(chars);
            String json = Json.write(g -> {
                g.writeStartObject();
                g.writeStringField(s, s);
                g.writeEndObject();
            });
            assertEquals(Map.of(s, s), Json.parse(json), () -> Arrays.toString(chars));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"a\":1|json: invalid at offset 6 (expected: RFC 8259 JSON; Unexpected end-of-input: expected close marker for Object)",
        "{\"a\" 1}|json: invalid at offset 5 (expected: RFC 8259 JSON; Unexpected character ('1' (code 49)): was expecting a colon",
        "[1,]|json: invalid at offset 3 (expected: RFC 8259 JSON; Unexpected character (']' (code 93)): expected a valid value",
        "\"\\x\"|json: invalid at offset 2 (expected: RFC 8259 JSON; Unrecognized character escape 'x'",
        "\"\\u12g4\"|json: invalid at offset 5 (expected: RFC 8259 JSON; Unexpected character ('g' (code 103)): expected a hex-digit",
        "tru|json: invalid at offset 0 (expected: RFC 8259 JSON; Unrecognized token 'tru'",
        "{} x|json: invalid at offset 3 (expected: RFC 8259 JSON; Unrecognized token 'x'",
        "{} {}|json: more at offset 3 (expected: the end of the document)",
        "''|json: the end at offset 0 (expected: a value)",
    })
    void readerNamesWhatItExpectedAndWhere(String json, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(json));
        assertEquals(true, e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void readerRejectsRawControlCharactersAndDeepNesting() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"a\nb\""));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(100) + "]".repeat(100)));
    }
}
