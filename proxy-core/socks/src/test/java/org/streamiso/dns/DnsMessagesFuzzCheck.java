package org.streamiso.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

/**
 * The DNS codec's part of the module's one fuzz target ({@code Socks5CodecFuzzTest}, since Jazzer fuzzes one
 * {@code @FuzzTest} per JVM): whatever bytes arrive on port 53, {@link DnsMessages#parseQuery} returns a query or
 * says what to reply, never throws anything else and never reads outside the message; every reply it or the answer
 * builders make is a well-formed response to that ID, within the UDP limit.
 */
public final class DnsMessagesFuzzCheck {
    private static final int LEAD = 3;

    private DnsMessagesFuzzCheck() {
    }

    public static void check(byte[] input) {
        byte[] padded = new byte[LEAD + input.length + 7];
        Arrays.fill(padded, (byte) 0xC0); // a compression pointer everywhere outside the message
        System.arraycopy(input, 0, padded, LEAD, input.length);
        DnsQuery q;
        try {
            q = DnsMessages.parseQuery(padded, LEAD, input.length);
        } catch (DnsMessages.NotAQuery e) {
            byte[] reply = e.reply();
            if (reply != null) {
                assertEquals(12, reply.length, "an error reply is a bare header");
                assertEquals(input[0], reply[0]);
                assertEquals(input[1], reply[1]);
                assertTrue((reply[2] & 0x80) != 0, "QR set");
                int rcode = reply[3] & 0xf;
                assertTrue(rcode == DnsMessages.FORMERR || rcode == DnsMessages.NOTIMP, "rcode " + rcode);
            } else {
                assertTrue(input.length < 2 || (input[2] & 0x80) != 0, "no reply only without an ID or to a response");
            }
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("parseQuery threw instead of answering an error", e);
        }
        assertEquals(((input[0] & 0xff) << 8) | (input[1] & 0xff), q.id());
        int limit = DnsMessages.udpLimit(q);
        assertTrue(limit >= 512 && limit <= 1232, "limit " + limit);
        byte[] question = q.question();
        assertTrue(question.length >= 5 && question.length <= 255 + 4, "question " + question.length);
        assertTrue(Arrays.equals(input, 12, 12 + question.length, question, 0, question.length), "question bytes");
        byte[][] replies = {
            DnsMessages.error(q, DnsMessages.NXDOMAIN, limit),
            DnsMessages.error(q, DnsMessages.BADVERS, limit),
            DnsMessages.pointer(q, q.name().isEmpty() ? "x" : q.name(), 30, limit),
            q.type() == DnsMessages.TYPE_AAAA ? DnsMessages.addresses(q, List.of(new byte[16], new byte[16]), -5, limit)
                    : q.type() == DnsMessages.TYPE_A ? DnsMessages.addresses(q, List.of(new byte[4]), 1L << 40, limit)
                    : DnsMessages.error(q, DnsMessages.NOTIMP, limit),
        };
        for (byte[] reply : replies) {
            assertTrue(reply.length <= limit, "reply of " + reply.length + " over " + limit);
            assertEquals(input[0], reply[0]);
            assertEquals(input[1], reply[1]);
            assertTrue((reply[2] & 0x80) != 0, "QR set");
            assertEquals(1, reply[5], "one question");
            assertTrue(Arrays.equals(reply, 12, 12 + question.length, question, 0, question.length), "question echoed");
            assertEquals(q.hasEdns() ? 1 : 0, reply[11], "an OPT record exactly when the query had one");
        }
        // A query rebuilt from what was parsed parses to the same name and type.
        if (!q.name().isEmpty()) {
            byte[] again = DnsMessages.query(q.id(), q.name(), q.type(), -1);
            try {
                DnsQuery r = DnsMessages.parseQuery(again, 0, again.length);
                assertEquals(q.name(), r.name());
                assertEquals(q.type(), r.type());
            } catch (DnsMessages.NotAQuery e) {
                throw new AssertionError("a rebuilt query did not parse: " + e.getMessage(), e);
            }
        }
    }
}
