package org.streamiso.socks;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A SOCKS5 address with its port: a host name (DOMAINNAME), an IPv4 or an IPv6 literal (RFC 1928 section 5).
 * The one place where the project parses IP literals, formats {@code host:port} for messages and reads or writes
 * the address field (ATYP, DST.ADDR or BND.ADDR, the port) of a request or reply.
 *
 * <p><b>Important:</b> nothing here resolves a name or asks the network anything: a literal is parsed digit by
 * digit, and any other text is a name that only the SocksPort resolves. JDK-only, for the agent's bootstrap path.
 *
 * <p>{@link #toString()} prints the host as {@code [scrubbed]}, since the address may be a destination; use
 * {@link #text()} where the host may be shown (a SocksPort's address, unsafe logging).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928#section-5">RFC 1928 section 5</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc4291#section-2.2">RFC 4291 section 2.2 (IPv6 text forms)</a>
 */
public final class Socks5Address {
    private final Socks5AddressType type;
    private final String host;
    private final int port;

    private Socks5Address(Socks5AddressType type, String host, int port) {
        Socks5Codec.checkAddress("host", type, host);
        Socks5Codec.checkPort("port", port);
        this.type = type;
        this.host = host;
        this.port = port;
    }

    /**
     * The address {@code host} names: an IPv4 literal ({@code 10.0.0.1}), an IPv6 literal with or without
     * brackets ({@code [2001:db8::1]}), else a host name; never resolves anything.
     *
     * @throws IllegalArgumentException for text with a ':' that is no IPv6 literal (a zone such as {@code %eth0}
     *                                  included: a zone never reaches a SocksPort), a name longer than 255 bytes,
     *                                  or a port outside 0-65535
     */
    public static Socks5Address parse(String host, int port) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host: \"\" (expected: a host name or an IP literal)");
        }
        byte[] v4 = ipv4(host);
        if (v4 != null) {
            return new Socks5Address(Socks5AddressType.IPV4, ipv4Text(v4), port);
        }
        if (host.indexOf(':') >= 0) {
            byte[] v6 = ipv6(host, false);
            if (v6 == null) {
                throw new IllegalArgumentException("host: not an IPv6 literal (expected: hex groups separated by ':',"
                        + " without a %zone)");
            }
            return new Socks5Address(Socks5AddressType.IPV6, ipv6Text(v6), port);
        }
        return ofName(host, port);
    }

    /** A host name, sent as a DOMAINNAME for the SocksPort to resolve (international names in their ACE form). */
    public static Socks5Address ofName(String name, int port) {
        return new Socks5Address(Socks5AddressType.DOMAIN, name, port);
    }

    /** The address's bytes and {@code port}; never asks for the address's name, and drops an IPv6 zone. */
    public static Socks5Address of(InetAddress address, int port) {
        return ofLiteral(address.getAddress(), port);
    }

    /** An IPv4 (4 bytes) or IPv6 (16 bytes) address. */
    public static Socks5Address ofLiteral(byte[] literal, int port) {
        if (literal != null && literal.length == 4) {
            return new Socks5Address(Socks5AddressType.IPV4, ipv4Text(literal), port);
        }
        if (literal != null && literal.length == 16) {
            return new Socks5Address(Socks5AddressType.IPV6, ipv6Text(literal), port);
        }
        throw new IllegalArgumentException("literal: " + (literal == null ? "null" : literal.length + " bytes")
                + " (expected: 4 or 16 bytes)");
    }

    /** As decoded from a reply; ATYP none (Tor's failed RESOLVE) is kept. */
    static Socks5Address decoded(Socks5AddressType type, String host, int port) {
        return new Socks5Address(type, host, port);
    }

    /**
     * The 4 or 16 bytes of an IPv4 or IPv6 literal (brackets allowed, no zone), or null for anything else, a name
     * included; never resolves anything.
     */
    public static byte[] parseLiteral(String text) {
        if (text == null) {
            return null;
        }
        byte[] v4 = ipv4(text);
        return v4 != null ? v4 : text.indexOf(':') >= 0 ? ipv6(text, false) : null;
    }

    /**
     * As {@link #parseLiteral}, but an IPv6 literal may carry a {@code %zone} suffix, which is dropped (the bytes
     * never carry it): for matching addresses, as the agent's bypass does. Never resolves anything.
     */
    public static byte[] parseLiteralIgnoringZone(String text) {
        if (text == null) {
            return null;
        }
        byte[] v4 = ipv4(text);
        return v4 != null ? v4 : text.indexOf(':') >= 0 ? ipv6(text, true) : null;
    }

    /**
     * {@code host:port} for messages, with an IPv6 literal in brackets ({@code [2001:db8::1]:443}); a host already
     * in brackets keeps them.
     */
    public static String format(String host, int port) {
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            return "[" + host + "]:" + port;
        }
        return host + ":" + port;
    }

    /**
     * {@code host:port} of a socket address for messages: its IP literal (IPv6 in brackets), or the name of an
     * unresolved one; never resolves anything.
     */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return format(ip != null ? ip.getHostAddress() : address.getHostString(), address.getPort());
    }

    /** IPv4, IPv6, DOMAINNAME, or none (only in a reply to a failed RESOLVE). */
    public Socks5AddressType type() {
        return type;
    }

    /** The name, or the literal as text (IPv6 without brackets, uncompressed: {@code 2001:db8:0:0:0:0:0:1}). */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Whether this is a host name, which only the SocksPort resolves. */
    public boolean isName() {
        return Socks5AddressType.DOMAIN.equals(type);
    }

    /** The 4 or 16 bytes of a literal, or null for a name. */
    public byte[] literal() {
        return isName() ? null : Socks5Codec.addressBytes(type, host);
    }

    /** {@code host:port}, an IPv6 literal in brackets: for messages where the host may be shown. */
    public String text() {
        return format(host, port);
    }

    /** The address field as it travels: ATYP, the address (a DOMAINNAME with its length byte), the port. */
    public byte[] encode() {
        byte[] addr = Socks5Codec.addressBytes(type, host);
        boolean name = isName();
        byte[] out = new byte[1 + (name ? 1 : 0) + addr.length + 2];
        out[0] = type.byteValue();
        int at = 1;
        if (name) {
            out[at++] = (byte) addr.length;
        }
        System.arraycopy(addr, 0, out, at, addr.length);
        at += addr.length;
        out[at] = (byte) (port >>> 8);
        out[at + 1] = (byte) port;
        return out;
    }

    /**
     * Decodes an address field (ATYP IPv4, DOMAINNAME or IPv6) from the buffer's position, as {@link Socks5Codec}'s
     * decoders do: the address, "need more" with the total length from the position, or a failure with the reply
     * code a server sends (0x08 address type not supported).
     */
    public static Socks5Decoded<Socks5Address> decode(ByteBuffer in) {
        return Socks5Codec.decodeAddress(in, in.position(), false);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Socks5Address)) {
            return false;
        }
        Socks5Address a = (Socks5Address) o;
        return a.type.equals(type) && a.port == port && (isName() ? a.host.equals(host)
                : Arrays.equals(a.literal(), literal()));
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type.hashCode() + (isName() ? host.hashCode() : Arrays.hashCode(literal()))) + port;
    }

    /** Returns a form safe to log: {@code DOMAINNAME (0x03) [scrubbed]:443}. */
    @Override
    public String toString() {
        return type + " [scrubbed]:" + port;
    }

    // ---- literals ---------------------------------------------------------------------------------

    /** {@code 0xNN}, for messages that print a one-byte code. */
    static String hex(byte b) {
        String digits = Integer.toHexString(b & 0xFF).toUpperCase(java.util.Locale.ROOT);
        return digits.length() == 1 ? "0x0" + digits : "0x" + digits;
    }

    /** Parses a dotted-quad IPv4 literal (four decimal parts 0-255), or returns null. */
    static byte[] ipv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /**
     * Parses an IPv6 literal in any RFC 4291 text form (hex groups, one {@code ::}, a dotted IPv4 tail), with or
     * without brackets, or returns null. {@code allowZone}: a {@code %zone} suffix is accepted and dropped.
     */
    static byte[] ipv6(String s, boolean allowZone) {
        if (s.startsWith("[")) {
            if (!s.endsWith("]") || s.length() < 3) {
                return null;
            }
            s = s.substring(1, s.length() - 1);
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            if (!allowZone || zone == s.length() - 1) {
                return null;
            }
            s = s.substring(0, zone);
        }
        int gap = s.indexOf("::");
        if (s.isEmpty() || gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        byte[] out = new byte[16];
        int headWords;
        int tailWords;
        byte[] tail = new byte[16];
        if (gap < 0) {
            headWords = groups(s, out, true);
            return headWords == 8 ? out : null;
        }
        headWords = gap == 0 ? 0 : groups(s.substring(0, gap), out, false);
        String rest = s.substring(gap + 2);
        tailWords = rest.isEmpty() ? 0 : groups(rest, tail, true);
        if (headWords < 0 || tailWords < 0 || headWords + tailWords > 7) {
            return null;
        }
        System.arraycopy(tail, 0, out, 16 - 2 * tailWords, 2 * tailWords);
        return out;
    }

    /**
     * Parses {@code part} (hex groups separated by single colons; a dotted IPv4 tail when {@code last}) into
     * {@code out} from index 0, and returns the number of 16-bit words, or -1.
     */
    private static int groups(String part, byte[] out, boolean last) {
        int words = 0;
        int start = 0;
        while (true) {
            int end = part.indexOf(':', start);
            String group = end < 0 ? part.substring(start) : part.substring(start, end);
            if (end < 0 && last && group.indexOf('.') >= 0) {
                byte[] v4 = ipv4(group);
                if (v4 == null || words > 6) {
                    return -1;
                }
                System.arraycopy(v4, 0, out, 2 * words, 4);
                return words + 2;
            }
            if (group.isEmpty() || group.length() > 4 || words > 7) {
                return -1;
            }
            int value = 0;
            for (int i = 0; i < group.length(); i++) {
                char c = group.charAt(i);
                int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (digit < 0) {
                    return -1;
                }
                value = value * 16 + digit;
            }
            out[2 * words] = (byte) (value >>> 8);
            out[2 * words + 1] = (byte) value;
            words++;
            if (end < 0) {
                return words;
            }
            start = end + 1;
        }
    }

    static String ipv4Text(byte[] b) {
        return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
    }

    /** Formats 16 bytes as an uncompressed IPv6 literal without brackets. */
    static String ipv6Text(byte[] b) {
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 16; i += 2) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF)));
        }
        return sb.toString();
    }
}
