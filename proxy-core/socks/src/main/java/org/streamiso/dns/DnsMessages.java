package org.streamiso.dns;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The DNS messages the agent's in-JVM DNS server reads and writes (RFC 1035, EDNS0 of RFC 6891): it parses a
 * query strictly and builds the answer, a well-formed error reply for everything else. I/O-free and JDK-only,
 * like the SOCKS codec beside it, and fuzzed with it.
 *
 * <p>Only what a stub resolver sends is accepted: a standard query (opcode 0) with one question whose name has no
 * compression pointer, no answer or authority records, and at most one additional record, an OPT. Everything else
 * gets the error RFC 1035 and RFC 6891 name for it, or no reply where a reply could start a loop (a message with
 * the QR bit set) or carry no ID (fewer than two bytes).
 */
public final class DnsMessages {
    public static final int TYPE_A = 1;
    public static final int TYPE_PTR = 12;
    public static final int TYPE_AAAA = 28;
    public static final int TYPE_OPT = 41;
    public static final int CLASS_IN = 1;

    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;
    /** RFC 6891: an EDNS version other than 0; an extended RCODE, carried half in the OPT record. */
    public static final int BADVERS = 16;

    /** The largest DNS message over UDP without EDNS (RFC 1035 section 4.2.1). */
    public static final int UDP_LIMIT = 512;
    /**
     * The UDP payload size the server offers and uses at most (DNS Flag Day 2020's 1232 bytes: no IP
     * fragmentation on any usual path).
     */
    public static final int EDNS_PAYLOAD_SIZE = 1232;
    /** A DNS message over TCP has a two-byte length (RFC 1035 section 4.2.2). */
    public static final int TCP_LIMIT = 65535;

    private static final int HEADER = 12;
    private static final int MAX_NAME = 255;

    private DnsMessages() {
    }

    /** A message that is not a query the server answers: {@link #reply()} is what to send back, or null for nothing. */
    public static final class NotAQuery extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient byte[] reply;

        NotAQuery(String message, byte[] reply) {
            super(message, null, false, false);
            this.reply = reply;
        }

        /** The error reply to send, or null where no reply is sent. */
        public byte[] reply() {
            return reply == null ? null : reply.clone();
        }
    }

    /**
     * Parses {@code length} bytes at {@code offset} as a query.
     *
     * @throws NotAQuery for anything else, with the reply to send (FORMERR, NOTIMP) or none
     */
    public static DnsQuery parseQuery(byte[] message, int offset, int length) throws NotAQuery {
        if (offset < 0 || length < 0 || offset > message.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", array " + message.length);
        }
        if (length < 2) {
            throw new NotAQuery("shorter than an ID", null);
        }
        Reader r = new Reader(message, offset, length);
        int id = r.u16();
        if (length < HEADER) {
            throw new NotAQuery("shorter than a header", header(id, 0, FORMERR, 0, 0, 0));
        }
        int flags = r.u16();
        int opcode = (flags >> 11) & 0xf;
        if ((flags & 0x8000) != 0) {
            throw new NotAQuery("a response, not a query", null);
        }
        if (opcode != 0) {
            throw new NotAQuery("opcode " + opcode + ", not a standard query", header(id, flags & 0x7900, NOTIMP,
                    0, 0, 0));
        }
        int qdcount = r.u16();
        int ancount = r.u16();
        int nscount = r.u16();
        int arcount = r.u16();
        int replyFlags = flags & 0x0110; // RD and CD
        if (qdcount != 1 || ancount != 0 || nscount != 0 || arcount > 1) {
            throw new NotAQuery("sections " + qdcount + "/" + ancount + "/" + nscount + "/" + arcount
                    + " (expected one question and at most an OPT record)", header(id, replyFlags, FORMERR, 0, 0, 0));
        }
        int questionStart = r.at;
        String name = r.name(id, replyFlags);
        int type = r.u16(id, replyFlags);
        int qclass = r.u16(id, replyFlags);
        byte[] question = java.util.Arrays.copyOfRange(message, questionStart, r.at);
        int payload = -1;
        int version = -1;
        if (arcount == 1) {
            int ownerStart = r.at;
            int owner = r.u8(id, replyFlags);
            int rrType = r.u16(id, replyFlags);
            if (owner != 0 || rrType != TYPE_OPT) {
                throw new NotAQuery("an additional record other than OPT at " + (ownerStart - offset),
                        header(id, replyFlags, FORMERR, 0, 0, 0));
            }
            payload = Math.max(UDP_LIMIT, r.u16(id, replyFlags));
            r.u8(id, replyFlags); // extended RCODE: 0 in a query
            version = r.u8(id, replyFlags);
            r.u16(id, replyFlags); // DO bit and Z
            int rdLength = r.u16(id, replyFlags);
            r.skip(rdLength, id, replyFlags); // options (cookies, padding, ...): none is needed to answer
        }
        if (r.at != offset + length) {
            throw new NotAQuery((offset + length - r.at) + " bytes after the last record",
                    header(id, replyFlags, FORMERR, 0, 0, 0));
        }
        return new DnsQuery(id, (flags & 0x0100) != 0, (flags & 0x0010) != 0, name, type, qclass, question, payload,
                version);
    }

    /**
     * A query for {@code name} of {@code type} with RD set, and an OPT record offering {@code ednsPayloadSize}
     * bytes unless it is negative: what a stub resolver sends; for tests and the agent's self-check.
     */
    public static byte[] query(int id, String name, int type, int ednsPayloadSize) {
        byte[] wire = wireName(name);
        if (wire == null) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: labels of 1-63 printable bytes, "
                    + "255 in all)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u16(out, id);
        u16(out, 0x0100);
        u16(out, 1);
        u16(out, 0);
        u16(out, 0);
        u16(out, ednsPayloadSize < 0 ? 0 : 1);
        out.writeBytes(wire);
        u16(out, type);
        u16(out, CLASS_IN);
        if (ednsPayloadSize >= 0) {
            out.write(0);
            u16(out, TYPE_OPT);
            u16(out, ednsPayloadSize);
            u16(out, 0);
            u16(out, 0);
            u16(out, 0);
        }
        return out.toByteArray();
    }

    /** The most bytes an answer to {@code query} over UDP may have: 512, or what its OPT record offers, up to 1232. */
    public static int udpLimit(DnsQuery query) {
        return query.hasEdns() ? Math.min(query.ednsPayloadSize(), EDNS_PAYLOAD_SIZE) : UDP_LIMIT;
    }

    /**
     * The answer to an A or AAAA query: one record per address (4 bytes for A, 16 for AAAA), none for an empty
     * list (NODATA); truncated (TC set, no records) where it exceeds {@code limit}.
     */
    public static byte[] addresses(DnsQuery query, List<byte[]> addresses, long ttl, int limit) {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (byte[] a : addresses) {
            if (a.length != (query.type() == TYPE_AAAA ? 16 : 4)) {
                throw new IllegalArgumentException("address: " + a.length + " bytes (expected: "
                        + (query.type() == TYPE_AAAA ? 16 : 4) + " for type " + query.type() + ")");
            }
            record(records, query.type(), ttl, a);
        }
        return reply(query, NOERROR, addresses.size(), records.toByteArray(), limit);
    }

    /** The answer to a PTR query: the one name, or SERVFAIL where the name cannot be written in DNS form. */
    public static byte[] pointer(DnsQuery query, String name, long ttl, int limit) {
        byte[] wire = wireName(name);
        if (wire == null) {
            return error(query, SERVFAIL, limit);
        }
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        record(records, TYPE_PTR, ttl, wire);
        return reply(query, NOERROR, 1, records.toByteArray(), limit);
    }

    /** An error reply ({@link #NXDOMAIN}, {@link #SERVFAIL}, {@link #NOTIMP}, {@link #REFUSED}, {@link #BADVERS}). */
    public static byte[] error(DnsQuery query, int rcode, int limit) {
        return reply(query, rcode, 0, new byte[0], limit);
    }

    private static byte[] reply(DnsQuery query, int rcode, int answers, byte[] records, int limit) {
        byte[] question = query.question();
        byte[] opt = query.hasEdns() ? opt(rcode) : new byte[0];
        int flags = 0x0080 | (query.recursionDesired() ? 0x0100 : 0) | (query.checkingDisabled() ? 0x0010 : 0);
        int size = HEADER + question.length + records.length + opt.length;
        if (size > limit) {
            // RFC 2181 section 9: set TC and send what fits; the client asks again over TCP.
            answers = 0;
            records = new byte[0];
            flags |= 0x0200;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(HEADER + question.length + records.length + opt.length);
        out.writeBytes(header(query.id(), flags, rcode & 0xf, answers, opt.length > 0 ? 1 : 0, 1));
        out.writeBytes(question);
        out.writeBytes(records);
        out.writeBytes(opt);
        return out.toByteArray();
    }

    private static byte[] opt(int rcode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(11);
        out.write(0); // the root
        u16(out, TYPE_OPT);
        u16(out, EDNS_PAYLOAD_SIZE);
        out.write(rcode >> 4); // the extended RCODE's upper eight bits
        out.write(0); // version 0
        u16(out, 0); // DO clear: the answers carry no DNSSEC records
        u16(out, 0); // no options
        return out.toByteArray();
    }

    /** A header with the QR bit set where {@code flags} has it (0x8000 is added for every reply here). */
    private static byte[] header(int id, int flags, int rcode, int answers, int additional, int questions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(HEADER);
        u16(out, id);
        u16(out, 0x8000 | 0x0080 | flags | rcode); // QR, RA
        u16(out, questions);
        u16(out, answers);
        u16(out, 0);
        u16(out, additional);
        return out.toByteArray();
    }

    private static void record(ByteArrayOutputStream out, int type, long ttl, byte[] data) {
        u16(out, 0xc000 | HEADER); // the question's name
        u16(out, type);
        u16(out, CLASS_IN);
        long t = Math.max(0, Math.min(ttl, Integer.MAX_VALUE)); // RFC 2181 section 8: 0 to 2^31 - 1
        u16(out, (int) (t >>> 16));
        u16(out, (int) t & 0xffff);
        u16(out, data.length);
        out.writeBytes(data);
    }

    /** A name in DNS wire form, or null where a label is empty, longer than 63 bytes or the whole exceeds 255. */
    static byte[] wireName(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        ByteArrayOutputStream out = new ByteArrayOutputStream(n.length() + 2);
        if (!n.isEmpty()) {
            for (String label : n.split("\\.", -1)) {
                byte[] b = label.getBytes(StandardCharsets.US_ASCII);
                if (b.length == 0 || b.length > 63 || !printable(label)) {
                    return null;
                }
                out.write(b.length);
                out.writeBytes(b);
            }
        }
        out.write(0);
        return out.size() > MAX_NAME ? null : out.toByteArray();
    }

    private static boolean printable(String label) {
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c <= ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }

    /**
     * The address a reverse-lookup name stands for: {@code 4.3.2.1.in-addr.arpa} gives 1.2.3.4, 32 nibbles under
     * {@code ip6.arpa} an IPv6 address (RFC 3596); null for any other name, a partial one included. Case-insensitive.
     */
    public static byte[] reverseAddress(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".in-addr.arpa")) {
            String[] labels = n.substring(0, n.length() - ".in-addr.arpa".length()).split("\\.", -1);
            if (labels.length != 4) {
                return null;
            }
            byte[] a = new byte[4];
            for (int i = 0; i < 4; i++) {
                String l = labels[3 - i];
                if (l.isEmpty() || l.length() > 3 || (l.length() > 1 && l.charAt(0) == '0') || !digits(l)) {
                    return null;
                }
                int v = Integer.parseInt(l);
                if (v > 255) {
                    return null;
                }
                a[i] = (byte) v;
            }
            return a;
        }
        if (n.endsWith(".ip6.arpa")) {
            String[] labels = n.substring(0, n.length() - ".ip6.arpa".length()).split("\\.", -1);
            if (labels.length != 32) {
                return null;
            }
            byte[] a = new byte[16];
            for (int i = 0; i < 32; i++) {
                String l = labels[31 - i];
                int v = l.length() == 1 ? Character.digit(l.charAt(0), 16) : -1;
                if (v < 0) {
                    return null;
                }
                a[i / 2] |= (byte) (i % 2 == 0 ? v << 4 : v);
            }
            return a;
        }
        return null;
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >> 8);
        out.write(v);
    }

    /** Reads a message front to back; every read past its end is a FORMERR reply. */
    private static final class Reader {
        private final byte[] b;
        private final int end;
        int at;

        Reader(byte[] b, int offset, int length) {
            this.b = b;
            this.at = offset;
            this.end = offset + length;
        }

        int u16() {
            int v = ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
            at += 2;
            return v;
        }

        int u8(int id, int flags) throws NotAQuery {
            need(1, id, flags);
            return b[at++] & 0xff;
        }

        int u16(int id, int flags) throws NotAQuery {
            need(2, id, flags);
            return u16();
        }

        void skip(int n, int id, int flags) throws NotAQuery {
            need(n, id, flags);
            at += n;
        }

        private void need(int n, int id, int flags) throws NotAQuery {
            if (end - at < n) {
                throw new NotAQuery("ends inside a record", header(id, flags, FORMERR, 0, 0, 0));
            }
        }

        /** The question's name: labels of printable ASCII without dots, no compression pointer, at most 255 bytes. */
        String name(int id, int flags) throws NotAQuery {
            StringBuilder name = new StringBuilder();
            int start = at;
            while (true) {
                int length = u8(id, flags);
                if (length == 0) {
                    break;
                }
                if (length > 63) {
                    throw new NotAQuery("a compression pointer or reserved label type in the question",
                            header(id, flags, FORMERR, 0, 0, 0));
                }
                need(length, id, flags);
                if (name.length() > 0) {
                    name.append('.');
                }
                for (int i = 0; i < length; i++) {
                    int c = b[at + i] & 0xff;
                    if (c <= ' ' || c > '~' || c == '.') {
                        throw new NotAQuery("a label with byte " + c + ", which no host name has",
                                header(id, flags, FORMERR, 0, 0, 0));
                    }
                    name.append((char) c);
                }
                at += length;
                if (at - start > MAX_NAME) {
                    throw new NotAQuery("a name longer than 255 bytes", header(id, flags, FORMERR, 0, 0, 0));
                }
            }
            if (at - start > MAX_NAME) {
                throw new NotAQuery("a name longer than 255 bytes", header(id, flags, FORMERR, 0, 0, 0));
            }
            return name.toString();
        }
    }
}
