import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;

/**
 * Benchmark: name lookup latency and the memory the agent's name table holds.
 *
 * <p>{@code java [JVM options] bench/DnsBench.java KIND NAME N [SOCKSPORT]} times N lookups after a warm-up
 * (N lookups; at least 20,000 for {@code local} and {@code mapped}) and prints {@code median_us p90_us}. KIND is
 * <ul>
 * <li>{@code local}: {@code InetAddress.getByName(NAME)} every time, NAME a hosts-file name; needs
 * {@code -Dsun.net.inetaddr.ttl=0} so that each lookup reaches the resolver;
 * <li>{@code remote}: a distinct name {@code h<i>.NAME} per lookup, checked to be the answer of
 * {@code SocksResolve} (run with the agent and {@code dns=remote});
 * <li>{@code mapped}: a distinct name per lookup, checked to be a placeholder from 240.0.0.0/4 (run with the
 * agent and {@code dns=mapped});
 * <li>{@code dns-server}: no {@code InetAddress} lookup: an A query for a distinct name {@code h<i>.NAME} per
 * lookup, sent on one blocking DatagramChannel to {@value #NAMESERVER}:53 and answered by the agent's in-JVM DNS
 * server through the same RESOLVE as {@code remote} (run with the agent and {@code dns=remote}, inside a network
 * namespace that has only loopback: the nameserver does not exist there); {@code dns-server-nb} the same on a
 * non-blocking channel with a Selector;
 * <li>{@code raw}: no lookup at all, the agent's RESOLVE exchange written by hand to SOCKSPORT (greeting and
 * request in one write, read the two replies, close): the floor of one TCP connection and one round trip.
 * </ul>
 *
 * <p>{@code java [JVM options] bench/DnsBench.java memory COUNT} (agent with {@code dns=mapped}, JDK cache off)
 * looks up COUNT distinct names after a warm-up and prints the growth of the live heap per name, measured
 * between two points of the same JVM (so class loading, JIT and the warm-up's names are in both), then the
 * classes whose live instances grew the most, from the {@code GC.class_histogram} diagnostic command.
 */
public class DnsBench {
    private static final String REMOTE_ANSWER = "198.51.100.7"; // SocksResolve.ANSWER_TEXT
    private static final int MEMORY_WARMUP = 2000;
    static final String NAMESERVER = "10.53.0.1";
    private static java.nio.channels.DatagramChannel dnsChannel;
    private static java.nio.channels.Selector dnsSelector;
    private static final InetSocketAddress DNS_SERVER = new InetSocketAddress(literal(NAMESERVER), 53);

    public static void main(String[] args) throws Exception {
        if (args[0].equals("memory")) {
            memory(Integer.parseInt(args[1]));
            return;
        }
        if (args[0].equals("compare")) {
            compare(args[1], Integer.parseInt(args[2]));
            return;
        }
        String kind = args[0];
        String name = args[1];
        int n = Integer.parseInt(args[2]);
        int port = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        requireNoCache();
        // Warm-up: N lookups, and at least 20,000 where a lookup opens no TCP connection, so that the JIT has
        // compiled the lookup path of the cheap kinds too.
        int warmup = kind.equals("local") || kind.equals("mapped") ? Math.max(n, 20_000) : n;
        int next = 0;
        for (int i = 0; i < warmup; i++) {
            once(kind, name, next++, port);
        }
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            once(kind, name, next++, port);
            t[i] = System.nanoTime() - start;
        }
        Arrays.sort(t);
        System.out.printf("%.1f %.1f%n", t[n / 2] / 1000.0, t[n * 9 / 10] / 1000.0);
    }

    /**
     * {@code compare NAME N} (agent with {@code dns=remote}, inside a loopback-only namespace): {@code remote} and
     * {@code dns-server} interleaved in one JVM, lookup by lookup, after 5 N warm-up pairs; prints the medians of
     * both and of the differences of each pair: the in-JVM DNS server's own cost, with the JIT, the machine's load
     * and the peer's latency the same for both.
     */
    static void compare(String name, int n) throws IOException {
        requireNoCache();
        int next = 0;
        for (int i = 0; i < 5 * n; i++) {
            once("remote", name, next++, 0);
            once("dns-server", name, next++, 0);
        }
        long[] remote = new long[n];
        long[] server = new long[n];
        long[] diff = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            once("remote", name, next++, 0);
            long t1 = System.nanoTime();
            once("dns-server", name, next++, 0);
            long t2 = System.nanoTime();
            remote[i] = t1 - t0;
            server[i] = t2 - t1;
            diff[i] = server[i] - remote[i];
        }
        Arrays.sort(remote);
        Arrays.sort(server);
        Arrays.sort(diff);
        System.out.printf("%.1f %.1f %.1f%n", remote[n / 2] / 1000.0, server[n / 2] / 1000.0, diff[n / 2] / 1000.0);
    }

    /** Fails unless the JDK's address cache is off: a cached answer would measure a map lookup. */
    static void requireNoCache() {
        String security = Security.getProperty("networkaddress.cache.ttl");
        String system = System.getProperty("sun.net.inetaddr.ttl");
        if (!"0".equals(security != null ? security : system)) {
            throw new IllegalArgumentException("sun.net.inetaddr.ttl: \"" + system + "\", networkaddress.cache.ttl: \""
                    + security + "\" (expected: 0, so that every lookup reaches the resolver)");
        }
    }

    static void once(String kind, String name, int i, int port) throws IOException {
        switch (kind) {
            case "local": {
                InetAddress a = InetAddress.getByName(name);
                if (isPlaceholder(a) || a.getHostAddress().equals(REMOTE_ANSWER)) {
                    throw new IOException(name + " was not answered locally: " + a);
                }
                break;
            }
            case "remote": {
                InetAddress a = InetAddress.getByName("h" + i + "." + name);
                if (!a.getHostAddress().equals(REMOTE_ANSWER)) {
                    throw new IOException("not SocksResolve's answer (is the agent there with dns=remote?): " + a);
                }
                break;
            }
            case "mapped": {
                InetAddress a = InetAddress.getByName("h" + i + "." + name);
                if (!isPlaceholder(a)) {
                    throw new IOException("not a placeholder (is the agent there with dns=mapped?): " + a);
                }
                break;
            }
            case "raw":
                rawResolve("h" + i + "." + name, port);
                break;
            case "dns-server":
            case "dns-server-nb":
                dnsQuery("h" + i + "." + name, i & 0xffff, kind.equals("dns-server"));
                break;
            default:
                throw new IllegalArgumentException("KIND: \"" + kind + "\" (expected: local, remote, mapped, "
                        + "dns-server, raw or memory)");
        }
    }

    /**
     * One A query to the in-JVM DNS server and its answer, checked to be SocksResolve's: {@code blocking}, with
     * send and receive on a blocking channel (as JNDI, dnsjava and DatagramSocket users do: answered in the sending
     * thread), else with a non-blocking channel and a Selector (as Netty does: answered by the server's threads).
     */
    static void dnsQuery(String host, int id, boolean blocking) throws IOException {
        if (dnsChannel == null) {
            dnsChannel = java.nio.channels.DatagramChannel.open();
            if (!blocking) {
                dnsChannel.configureBlocking(false);
                dnsSelector = java.nio.channels.Selector.open();
                dnsChannel.register(dnsSelector, java.nio.channels.SelectionKey.OP_READ);
            }
        }
        java.io.ByteArrayOutputStream q = new java.io.ByteArrayOutputStream();
        q.write(id >> 8);
        q.write(id);
        q.writeBytes(new byte[] {1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : host.split("\\.")) {
            q.write(label.length());
            q.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        q.writeBytes(new byte[] {0, 0, 1, 0, 1});
        dnsChannel.send(java.nio.ByteBuffer.wrap(q.toByteArray()), DNS_SERVER);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(512);
        if (!blocking) {
            while (dnsSelector.select(10_000) == 0) {
                throw new IOException("no answer within 10 s");
            }
            dnsSelector.selectedKeys().clear();
        }
        if (dnsChannel.receive(in) == null) {
            throw new IOException("selected, but no datagram");
        }
        byte[] r = Arrays.copyOf(in.array(), in.position());
        String answer = r.length < 4 ? "?" : (r[r.length - 4] & 0xff) + "." + (r[r.length - 3] & 0xff) + "."
                + (r[r.length - 2] & 0xff) + "." + (r[r.length - 1] & 0xff);
        if (r.length < 12 || ((r[0] & 0xff) << 8 | (r[1] & 0xff)) != id || (r[3] & 0xf) != 0 || r[7] != 1
                || !answer.equals(REMOTE_ANSWER)) {
            throw new IOException("not SocksResolve's answer from the in-JVM DNS server (is the agent there with "
                    + "dns=remote?): " + r.length + " bytes ending in " + answer);
        }
    }

    private static InetAddress literal(String dotted) {
        String[] p = dotted.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(p[i]);
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static boolean isPlaceholder(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 && (b[0] & 0xF0) == 0xF0;
    }

    /** The bytes the agent exchanges for one RESOLVE, without the agent. */
    static void rawResolve(String host, int port) throws IOException {
        byte[] h = host.getBytes(StandardCharsets.US_ASCII);
        byte[] msg = new byte[3 + 5 + h.length + 2];
        msg[0] = 5;
        msg[1] = 1; // one method: no authentication
        msg[3] = 5;
        msg[4] = (byte) 0xF0; // RESOLVE
        msg[6] = 3; // DOMAINNAME
        msg[7] = (byte) h.length;
        System.arraycopy(h, 0, msg, 8, h.length); // port 0
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(msg);
            byte[] method = in.readNBytes(2);
            byte[] reply = in.readNBytes(10);
            if (method.length != 2 || reply.length != 10 || reply[1] != 0) {
                throw new IOException("bad RESOLVE reply");
            }
        }
    }

    static void memory(int count) throws Exception {
        requireNoCache();
        for (int i = 0; i < MEMORY_WARMUP; i++) {
            lookupMapped(i);
        }
        // The "after" histogram counts the map that holds the "before" one; a first, dropped map of the same
        // shape, live while "before" is taken, cancels it.
        Map<String, long[]> ghost = histogram();
        Map<String, long[]> before = histogram();
        ghost = null;
        long base = settledHeapUsed(); // with "before" live, as at the second measurement
        for (int i = MEMORY_WARMUP; i < MEMORY_WARMUP + count; i++) {
            lookupMapped(i);
        }
        long after = settledHeapUsed();
        Map<String, long[]> afterHisto = histogram();
        System.out.printf("%.1f %d%n", (after - base) / (double) count, name(0).length());
        List<String[]> rows = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, long[]> e : afterHisto.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long dn = e.getValue()[0] - b[0];
            long db = e.getValue()[1] - b[1];
            total += db;
            if (db >= count) { // one byte per name or more
                rows.add(new String[] {Long.toString(db), String.format("%-32s %9d instances %6.2f/name %7.1f B/name",
                        e.getKey(), dn, dn / (double) count, db / (double) count)});
            }
        }
        rows.sort((x, y) -> Long.compare(Long.parseLong(y[0]), Long.parseLong(x[0])));
        for (String[] r : rows) {
            System.out.println(r[1]);
        }
        System.out.printf("%-32s %38.1f B/name%n", "histogram total", total / (double) count);
    }

    static String name(int i) {
        return String.format("n%07d.bench.example", i);
    }

    static void lookupMapped(int i) throws IOException {
        if (!isPlaceholder(InetAddress.getByName(name(i)))) {
            throw new IOException("not a placeholder (is the agent there with dns=mapped?)");
        }
    }

    static long settledHeapUsed() throws InterruptedException {
        long used = 0;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
            used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
        return used;
    }

    /** Live instances and bytes per class, after the full GC the diagnostic command runs first. */
    static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> m = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                m.merge(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])},
                        (x, y) -> new long[] {x[0] + y[0], x[1] + y[1]});
            }
        }
        return m;
    }
}
