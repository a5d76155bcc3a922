package org.streamiso.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DNS codec against wire bytes written out by hand from RFC 1035 and RFC 6891. */
class DnsMessagesTest {
    private static final HexFormat HEX = HexFormat.of();

    /** id 0x1234, RD, one question: web.streamiso.test A IN. */
    private static final String QUERY_A = "1234 0100 0001 0000 0000 0000"
            + " 03776562 0973747265616d69736f 0474657374 00 0001 0001";

    private static byte[] bytes(String hex) {
        return HEX.parseHex(hex.replace(" ", ""));
    }

    private static DnsQuery parse(byte[] b) throws DnsMessages.NotAQuery {
        return DnsMessages.parseQuery(b, 0, b.length);
    }

    @Test
    void parsesAStubResolversQueryAndAnswersItWithThePointerToTheQuestion() throws Exception {
        byte[] wire = bytes(QUERY_A);
        assertArrayEquals(wire, DnsMessages.query(0x1234, "web.streamiso.test", DnsMessages.TYPE_A, -1));
        DnsQuery q = parse(wire);
        assertEquals(0x1234, q.id());
        assertEquals("web.streamiso.test", q.name());
        assertEquals(DnsMessages.TYPE_A, q.type());
        assertTrue(q.recursionDesired());
        assertFalse(q.hasEdns());
        assertEquals(512, DnsMessages.udpLimit(q));

        byte[] answer = DnsMessages.addresses(q, List.of(new byte[] {10, 0, 0, 7}), 30, 512);
        assertEquals(h("1234 8180 0001 0001 0000 0000 03776562 0973747265616d69736f 0474657374 00 0001 0001"
                + " c00c 0001 0001 0000001e 0004 0a000007"), hex(answer));
    }

    @Test
    void keepsTheClientsCaseBitsAndAnswersEdnsWithAnOptRecord() throws Exception {
        byte[] wire = DnsMessages.query(7, "WeB.StreamISO.test", DnsMessages.TYPE_AAAA, 4096);
        DnsQuery q = parse(wire);
        assertEquals("WeB.StreamISO.test", q.name());
        assertEquals(4096, q.ednsPayloadSize());
        assertEquals(0, q.ednsVersion());
        assertEquals(1232, DnsMessages.udpLimit(q));
        byte[] answer = DnsMessages.addresses(q, List.of(), 30, DnsMessages.udpLimit(q));
        // NODATA: NOERROR, no answer, the question byte for byte, and OPT 1232 as the only additional record.
        assertTrue(hex(answer).startsWith(h("0007 8180 0001 0000 0000 0001 03576542")), hex(answer));
        assertTrue(hex(answer).endsWith(h("001c 0001 00 0029 04d0 00 00 0000 0000")), hex(answer));
    }

    @Test
    void answersAnEdnsVersionOtherThanZeroWithBadvers() throws Exception {
        byte[] wire = DnsMessages.query(9, "a.test", DnsMessages.TYPE_A, 1232);
        wire[wire.length - 5] = 1; // the OPT record's version
        DnsQuery q = parse(wire);
        byte[] reply = DnsMessages.error(q, DnsMessages.BADVERS, DnsMessages.udpLimit(q));
        // RCODE 0 in the header, 1 in the OPT's extended RCODE: 16 in all (RFC 6891 section 6.1.3).
        assertEquals(0x80, reply[3] & 0xff);
        assertEquals(1, reply[reply.length - 6]);
    }

    @Test
    void setsTcAndDropsTheRecordsWhereTheAnswerExceedsTheLimit() throws Exception {
        DnsQuery q = parse(bytes(QUERY_A));
        byte[] answer = DnsMessages.addresses(q, List.of(new byte[] {1, 2, 3, 4}, new byte[] {5, 6, 7, 8}), 30, 60);
        assertEquals(0x83, answer[2] & 0xff); // QR, TC, RD
        assertEquals(0, answer[7]); // no answer records
        assertEquals(12 + 24, answer.length); // header and question only
    }

    @Test
    void answersAPointerQueryWithTheName() throws Exception {
        DnsQuery q = parse(DnsMessages.query(3, "7.0.0.10.in-addr.arpa", DnsMessages.TYPE_PTR, -1));
        assertArrayEquals(new byte[] {10, 0, 0, 7}, DnsMessages.reverseAddress(q.name()));
        byte[] answer = DnsMessages.pointer(q, "web.streamiso.test", 30, 512);
        assertTrue(hex(answer).endsWith(h("c00c 000c 0001 0000001e 0014 03776562 0973747265616d69736f 0474657374 00")),
                hex(answer));
    }

    @Test
    void readsReverseNamesOfBothFamiliesAndNothingPartial() {
        assertArrayEquals(new byte[] {1, 2, 3, 4}, DnsMessages.reverseAddress("4.3.2.1.IN-ADDR.ARPA"));
        byte[] v6 = DnsMessages.reverseAddress("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
        assertEquals("20010db8000000000000000000000001", HEX.formatHex(v6));
        assertNull(DnsMessages.reverseAddress("3.2.1.in-addr.arpa"));
        assertNull(DnsMessages.reverseAddress("256.3.2.1.in-addr.arpa"));
        assertNull(DnsMessages.reverseAddress("04.3.2.1.in-addr.arpa"));
        assertNull(DnsMessages.reverseAddress("x.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"));
        assertNull(DnsMessages.reverseAddress("web.streamiso.test"));
    }

    @Test
    void refusesWhatIsNotAStandardQueryWithTheErrorThatFits() {
        assertNull(reply("12"));
        assertEquals(h("1234 8081 0000 0000 0000 0000"), hex(reply("1234 0100 0001")));
        // A response is never answered: two servers could answer each other forever.
        assertNull(reply(QUERY_A.replace("1234 0100", "1234 8100")));
        // Opcode 2 (STATUS): NOTIMP, with the opcode and RD kept.
        assertEquals(h("1234 9184 0000 0000 0000 0000"), hex(reply(QUERY_A.replace("1234 0100", "1234 1100"))));
        // Two questions, an answer record, a compression pointer, bytes after the question, a name with a space.
        assertEquals(h("1234 8181 0000 0000 0000 0000"), hex(reply(QUERY_A.replace("0001 0000 0000 0000 ",
                "0002 0000 0000 0000 "))));
        assertEquals(h("1234 8181 0000 0000 0000 0000"), hex(reply(QUERY_A.replace("0001 0000 0000 0000 ",
                "0001 0001 0000 0000 "))));
        assertEquals(h("1234 8181 0000 0000 0000 0000"), hex(reply("1234 0100 0001 0000 0000 0000 c00c 0001 0001")));
        assertEquals(h("1234 8181 0000 0000 0000 0000"), hex(reply(QUERY_A + " 00")));
        assertEquals(h("1234 8181 0000 0000 0000 0000"), hex(reply("1234 0100 0001 0000 0000 0000 03612062 00 0001 0001")));
        // A record in the additional section that is not an OPT (a TSIG, say).
        assertEquals(h("1234 8181 0000 0000 0000 0000"), hex(reply(QUERY_A.replace("0000 0000 0000 ", "0000 0000 0001 ")
                + " 00 00fa 00ff 00000000 0000")));
    }

    @Test
    void refusesANameLongerThan255Bytes() {
        String label = "a".repeat(63);
        assertThrows(IllegalArgumentException.class, () -> DnsMessages.query(1, String.join(".", label, label, label,
                label), DnsMessages.TYPE_A, -1));
        StringBuilder hex = new StringBuilder("0001 0100 0001 0000 0000 0000");
        for (int i = 0; i < 5; i++) {
            hex.append(" 3f").append("61".repeat(63));
        }
        hex.append(" 00 0001 0001");
        assertEquals(h("0001 8181 0000 0000 0000 0000"), hex(reply(hex.toString())));
    }

    private static byte[] reply(String hex) {
        byte[] b = bytes(hex);
        DnsMessages.NotAQuery e = assertThrows(DnsMessages.NotAQuery.class, () -> parse(b));
        assertFalse(e.getMessage().isEmpty());
        return e.reply();
    }

    /** Hex of a message, or null. */
    private static String hex(byte[] b) {
        return b == null ? null : HEX.formatHex(b);
    }

    /** Hex as this test writes it, in groups. */
    private static String h(String spaced) {
        return spaced.replace(" ", "");
    }
}
