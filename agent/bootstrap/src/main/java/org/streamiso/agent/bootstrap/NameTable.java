package org.streamiso.agent.bootstrap;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The names the agent answered without the machine's resolver, so that a connect to one of those answers
 * goes to Tor by name: placeholder addresses ({@code dns=mapped} and every {@code .onion} name, as Tor's
 * VirtualAddrNetwork and torsocks' onion range do) and the addresses Tor answered ({@code dns=remote}).
 *
 * <p>Placeholders come from {@code 240.0.0.0/4} (reserved, never routed, never loopback or private, so no
 * bypass and no application check treats them as local) and, for IPv6-only lookups, from the discard prefix
 * {@code 100::/64} (RFC 6666), both numbered by the same index. Addresses are handed out in turn and an index
 * is used again only after the whole range went round (268 million names), so a placeholder that dropped out
 * of the table fails its connect instead of reaching another name.
 *
 * <p>Both tables are bounded and drop the least recently used name first; a connect or a lookup counts as a
 * use. The bound is far above what the JDK's address cache (30 s by default) holds at once, so a placeholder
 * the JDK still hands out is still here unless that many other names were looked up in between.
 *
 * <p>A {@link ReentrantLock}, not {@code synchronized}: lookups run on virtual threads too.
 */
public final class NameTable {
    /** How many names each table holds by default. */
    static final int DEFAULT_CAPACITY = 1 << 17;

    private static final int V4_PREFIX = 0xF0;
    private static final int INDEX_LIMIT = 1 << 28;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Integer> placeholders;
    private final Map<Integer, String> namesByIndex = new HashMap<>();
    private final Map<String, Boolean> remoteAnswers;
    private int nextIndex = 1;

    NameTable(int capacity) {
        this.placeholders = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                if (size() <= capacity) {
                    return false;
                }
                namesByIndex.remove(eldest.getValue());
                return true;
            }
        };
        this.remoteAnswers = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * The placeholder for {@code name}, the same one for as long as the name stays in the table.
     *
     * @param ipv6 an address from {@code 100::/64} instead of {@code 240.0.0.0/4}
     */
    InetAddress placeholder(String name, boolean ipv6) {
        String key = key(name);
        int index;
        lock.lock();
        try {
            Integer known = placeholders.get(key);
            if (known != null) {
                index = known;
            } else {
                Integer boxed = freeIndex(); // one box for both maps: 16 bytes a name less
                index = boxed;
                namesByIndex.put(boxed, name);
                placeholders.put(key, boxed);
            }
        } finally {
            lock.unlock();
        }
        try {
            return InetAddress.getByAddress(name, ipv6 ? v6Bytes(index) : v4Bytes(index));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not reached: 4 or 16 bytes", e);
        }
    }

    private int freeIndex() {
        for (;;) {
            int index = nextIndex;
            nextIndex = index + 1 >= INDEX_LIMIT - 1 ? 1 : index + 1;
            if (!namesByIndex.containsKey(index)) {
                return index;
            }
        }
    }

    /** Whether the address is in one of the placeholder ranges, mapped or not. */
    public static boolean isPlaceholder(byte[] a) {
        return indexOf(a) >= 0;
    }

    /** The name a placeholder stands for; null when it is no placeholder or no longer in the table. */
    String nameOf(byte[] address) {
        int index = indexOf(address);
        if (index < 0) {
            return null;
        }
        lock.lock();
        try {
            String name = namesByIndex.get(index);
            if (name != null) {
                placeholders.get(key(name)); // a use: keeps the name from being dropped first
            }
            return name;
        } finally {
            lock.unlock();
        }
    }

    /** Records that Tor answered {@code address} for {@code name}. */
    void rememberRemote(String name, InetAddress address) {
        String key = remoteKey(name, address);
        lock.lock();
        try {
            remoteAnswers.put(key, Boolean.TRUE);
        } finally {
            lock.unlock();
        }
    }

    /** Whether Tor answered {@code address} for {@code name} (and the answer is still in the table). */
    boolean isRemoteAnswer(String name, InetAddress address) {
        String key = remoteKey(name, address);
        lock.lock();
        try {
            return remoteAnswers.get(key) != null;
        } finally {
            lock.unlock();
        }
    }

    /** How many placeholders and remote answers the table holds. */
    int size() {
        lock.lock();
        try {
            return placeholders.size() + remoteAnswers.size();
        } finally {
            lock.unlock();
        }
    }

    private static String key(String name) {
        return Bypass.canonicalName(name);
    }

    private static String remoteKey(String name, InetAddress address) {
        return key(name) + '\0' + address.getHostAddress();
    }

    private static byte[] v4Bytes(int index) {
        return new byte[] {(byte) (V4_PREFIX | index >>> 24), (byte) (index >>> 16), (byte) (index >>> 8),
                (byte) index};
    }

    private static byte[] v6Bytes(int index) {
        byte[] a = new byte[16];
        a[0] = 0x01;
        a[12] = (byte) (index >>> 24);
        a[13] = (byte) (index >>> 16);
        a[14] = (byte) (index >>> 8);
        a[15] = (byte) index;
        return a;
    }

    private static int indexOf(byte[] a) {
        if (a.length == 16 && Bypass.isV4Mapped(a)) {
            return indexOf(new byte[] {a[12], a[13], a[14], a[15]});
        }
        if (a.length == 4) {
            return (a[0] & 0xF0) != V4_PREFIX ? -1
                    : (a[0] & 0x0F) << 24 | (a[1] & 0xFF) << 16 | (a[2] & 0xFF) << 8 | a[3] & 0xFF;
        }
        if (a.length != 16 || a[0] != 0x01) {
            return -1;
        }
        for (int i = 1; i < 12; i++) {
            if (a[i] != 0) {
                return -1;
            }
        }
        int index = (a[12] & 0xFF) << 24 | (a[13] & 0xFF) << 16 | (a[14] & 0xFF) << 8 | a[15] & 0xFF;
        return index >= 0 && index < INDEX_LIMIT ? index : -1;
    }
}
