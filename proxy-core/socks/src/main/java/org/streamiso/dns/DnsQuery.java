package org.streamiso.dns;

import java.util.Arrays;

/**
 * One DNS query as a client sent it (RFC 1035 section 4.1), after {@link DnsMessages#parseQuery} accepted it: a
 * standard query with exactly one question, and at most one EDNS0 OPT record (RFC 6891).
 *
 * <p>A plain class with identity equality, not a record: a record's generated methods bootstrap java.lang.invoke,
 * and this class runs inside the JDK's datagram code.
 */
public final class DnsQuery {
    private final int id;
    private final boolean recursionDesired;
    private final boolean checkingDisabled;
    private final String name;
    private final int type;
    private final int qclass;
    private final byte[] question;
    private final int ednsPayloadSize;
    private final int ednsVersion;

    DnsQuery(int id, boolean recursionDesired, boolean checkingDisabled, String name, int type, int qclass,
            byte[] question, int ednsPayloadSize, int ednsVersion) {
        this.id = id;
        this.recursionDesired = recursionDesired;
        this.checkingDisabled = checkingDisabled;
        this.name = name;
        this.type = type;
        this.qclass = qclass;
        this.question = question;
        this.ednsPayloadSize = ednsPayloadSize;
        this.ednsVersion = ednsVersion;
    }

    /** The query's ID, which the answer repeats. */
    public int id() {
        return id;
    }

    /** The RD bit. */
    public boolean recursionDesired() {
        return recursionDesired;
    }

    /** The CD bit (RFC 4035), which the answer repeats. */
    public boolean checkingDisabled() {
        return checkingDisabled;
    }

    /**
     * The question's name in text form, without the root dot, in the case the client wrote it ({@code ""} for the
     * root); each label is printable ASCII without a dot, which {@link DnsMessages#parseQuery} checked.
     */
    public String name() {
        return name;
    }

    /** QTYPE: {@link DnsMessages#TYPE_A}, {@link DnsMessages#TYPE_AAAA}, {@link DnsMessages#TYPE_PTR}, or another. */
    public int type() {
        return type;
    }

    /** QCLASS: {@link DnsMessages#CLASS_IN} or another. */
    public int qclass() {
        return qclass;
    }

    /** The question section as it came, which the answer repeats byte for byte (0x20 case bits included). */
    byte[] question() {
        return question.clone();
    }

    /** Whether the query carried an OPT record: the answer then carries one too. */
    public boolean hasEdns() {
        return ednsPayloadSize >= 0;
    }

    /** The client's UDP payload size from its OPT record (at least 512, as RFC 6891 says), or -1 without EDNS. */
    public int ednsPayloadSize() {
        return ednsPayloadSize;
    }

    /** The EDNS version the client speaks (0 is the only one), or -1 without EDNS. */
    public int ednsVersion() {
        return ednsVersion;
    }

    @Override
    public String toString() {
        return "DnsQuery[id=" + id + ", type=" + type + ", class=" + qclass + ", rd=" + recursionDesired + ", edns="
                + (hasEdns() ? ednsVersion + "/" + ednsPayloadSize : "none") + ", question=" + question.length
                + " bytes]";
    }

    /** Equal queries: same ID, flags, question bytes and EDNS; for tests. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DnsQuery)) {
            return false;
        }
        DnsQuery q = (DnsQuery) o;
        return id == q.id && recursionDesired == q.recursionDesired && checkingDisabled == q.checkingDisabled
                && type == q.type && qclass == q.qclass && ednsPayloadSize == q.ednsPayloadSize
                && ednsVersion == q.ednsVersion && name.equals(q.name) && Arrays.equals(question, q.question);
    }

    @Override
    public int hashCode() {
        return id * 31 + Arrays.hashCode(question);
    }
}
