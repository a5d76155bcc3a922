package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The destinations that are connected (and resolved) directly instead of through the SocksPort: the
 * {@code bypass} agent argument. Entries are CIDR blocks ({@code 127.0.0.0/8}, {@code fd00::/8}), single
 * addresses, exact host names ({@code localhost}) and domain suffixes ({@code *.internal}).
 */
public final class Bypass {
    /** The default: loopback only. */
    public static final String LOOPBACK = "127.0.0.0/8+::1+localhost";

    private final List<byte[]> networks = new ArrayList<>();
    private final List<Integer> prefixLengths = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<String> suffixes = new ArrayList<>();
    private final String text;

    private Bypass(String text) {
        this.text = text;
    }

    /**
     * Parses a {@code +}-joined list; {@code none} is the empty list.
     *
     * @throws IllegalArgumentException naming the bad entry and the accepted forms
     */
    public static Bypass parse(String list) {
        Bypass b = new Bypass(list);
        if (list.equals("none")) {
            return b;
        }
        for (String raw : list.split("\\+", -1)) {
            String entry = raw.trim().toLowerCase(Locale.ROOT);
            if (entry.isEmpty()) {
                throw bad(list, "an empty entry");
            }
            int slash = entry.indexOf('/');
            String addressPart = slash < 0 ? entry : entry.substring(0, slash);
            byte[] address = Socks5Address.parseLiteralIgnoringZone(addressPart);
            if (address != null) {
                int max = address.length * 8;
                int bits = max;
                if (slash >= 0) {
                    try {
                        bits = Integer.parseInt(entry.substring(slash + 1));
                    } catch (NumberFormatException e) {
                        bits = -1;
                    }
                    if (bits < 0 || bits > max) {
                        throw bad(list, "prefix length of " + entry + " must be 0-" + max);
                    }
                }
                b.networks.add(address);
                b.prefixLengths.add(bits);
            } else if (slash >= 0) {
                throw bad(list, "\"" + entry + "\" is not a CIDR block");
            } else if (isOnion(entry)) {
                throw bad(list, "\"" + entry + "\" is an onion name, which only Tor can reach");
            } else if (entry.startsWith("*.") && isHostName(entry.substring(2))) {
                b.suffixes.add(entry.substring(1));
            } else if (isHostName(entry)) {
                b.names.add(entry);
            } else {
                throw bad(list, "\"" + entry + "\" is neither an address, a CIDR block nor a host name");
            }
        }
        return b;
    }

    private static IllegalArgumentException bad(String list, String why) {
        return new IllegalArgumentException("bypass: \"" + list + "\" (expected: none, or CIDR blocks, addresses, "
                + "host names and *.domain suffixes joined with '+', e.g. " + LOOPBACK + "; " + why + ")");
    }

    private static boolean isHostName(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** Whether a name is a {@code .onion} name (with or without the root dot), which only Tor can reach. */
    public static boolean isOnion(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".onion") || h.endsWith(".onion.") || h.equals("onion");
    }

    /**
     * A name as the agent compares names: lowercase, without the root dot ({@code Example.COM.} and
     * {@code example.com} are one name).
     */
    public static String canonicalName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** Whether a host name (as the application wrote it) is bypassed. An onion name never is. */
    public boolean matchesName(String host) {
        if (host == null || host.isEmpty() || isOnion(host)) {
            return false;
        }
        String h = canonicalName(host);
        byte[] literal = Socks5Address.parseLiteralIgnoringZone(h);
        if (literal != null) {
            return matchesBytes(literal);
        }
        for (String name : names) {
            if (name.equals(h)) {
                return true;
            }
        }
        for (String suffix : suffixes) {
            if (h.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an address is bypassed by one of the address or CIDR entries. */
    public boolean matchesAddress(InetAddress address) {
        byte[] a = address.getAddress();
        if (matchesBytes(a)) {
            return true;
        }
        // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address on the wire.
        if (a.length == 16 && isV4Mapped(a)) {
            byte[] v4 = {a[12], a[13], a[14], a[15]};
            return matchesBytes(v4);
        }
        return false;
    }

    /** {@code ::ffff:a.b.c.d}: a dual-stack socket's form of an IPv4 address. */
    static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    private boolean matchesBytes(byte[] a) {
        for (int i = 0; i < networks.size(); i++) {
            byte[] net = networks.get(i);
            if (net.length == a.length && prefixMatches(net, a, prefixLengths.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean prefixMatches(byte[] net, byte[] a, int bits) {
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != a[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (net[full] & mask) == (a[full] & mask);
    }

    /** Whether nothing is bypassed. */
    public boolean isEmpty() {
        return networks.isEmpty() && names.isEmpty() && suffixes.isEmpty();
    }

    @Override
    public String toString() {
        return text;
    }
}
