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
class JsonWriterTest {

    @Test
    void escapesQuoteBackslashAndTheShortFormControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\\n\\r\\t\\b\\f/\"", JsonWriter.quote("a\"b\\c\n\r\t\b\f/"));
    }

    @Test
    void escapesEveryOtherControlCharacterAsUnicode() {
        assertEquals("\"\\u0000\\u0001\\u001f\\u007f\"", JsonWriter.quote("\u0000\u0001\u001f\u007f"));
    }

    @Test
    void escapesLineSeparatorsThatBreakJavaScript() {
        assertEquals("\"\\u2028\\u2029\"", JsonWriter.quote("\u2028\u2029"));
    }

    @Test
    void keepsNonAsciiAndPairedSurrogatesButEscapesUnpairedOnes() {
        assertEquals("\"é€😀\"", JsonWriter.quote("é€😀"));
        assertEquals("\"\\ud83dx\\ude00\"", JsonWriter.quote("\ud83dx\ude00"));
        assertEquals("\"\\ud83d\"", JsonWriter.quote("\ud83d"));
    }

    @Test
    void writesCommasOnlyBetweenMembersAndItems() {
        String json = new JsonWriter().beginObject()
                .name("a").value(1)
                .name("b").beginArray().value("x").value(true).value((String) null).beginObject().endObject()
                .beginArray().endArray().endArray()
                .name("c").beginObject().name("d").value(false).endObject()
                .name("e").value(-7)
                .endObject().toString();
        assertEquals("{\"a\":1,\"b\":[\"x\",true,null,{},[]],\"c\":{\"d\":false},\"e\":-7}", json);
    }

    @Test
    void readerGivesBackWhatTheWriterWrote() {
        String json = new JsonWriter().beginObject().name("s").value("tab\tquote\"").name("n").value(Long.MIN_VALUE)
                .name("l").beginArray().value(1).value("2").endArray().name("z").value((String) null).endObject()
                .toString();
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "tab\tquote\"");
        expected.put("n", Long.MIN_VALUE);
        expected.put("l", List.of(1L, "2"));
        expected.put("z", null);
        assertEquals(expected, JsonReader.parse(json));
    }

    @Test
    void everyCharacterRoundTrips() {
        char[] all = new char[0x10000];
        for (int c = 0; c < all.length; c++) {
            all[c] = (char) c;
        }
        String s = new String(all);
        assertEquals(s, JsonReader.parse(JsonWriter.quote(s)));
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
            String json = new JsonWriter().beginObject().name(s).value(s).endObject().toString();
            assertEquals(Map.of(s, s), JsonReader.parse(json), () -> Arrays.toString(chars));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"a\":1|json: the end at offset 6 (expected: '}')",
        "{\"a\" 1}|json: '1' at offset 5 (expected: ':')",
        "[1,]|json: ']' at offset 3 (expected: a value)",
        "\"\\x\"|json: 'x' at offset 2 (expected: one of",
        "\"\\u12g4\"|json: 'g' at offset 5 (expected: four hex digits after \\u)",
        "tru|json: 't' at offset 0 (expected: true)",
        "{} x|json: 'x' at offset 3 (expected: the end of the document)",
    })
    void readerNamesWhatItExpectedAndWhere(String json, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonReader.parse(json));
        assertEquals(true, e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void readerRejectsRawControlCharactersAndDeepNesting() {
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("\"a\nb\""));
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("[".repeat(100) + "]".repeat(100)));
    }
}
