import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5CommandStatus;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5Decoded;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5InitialResponse;
import org.streamiso.socks.Socks5PasswordAuthResponse;

/**
 * Load generator for bench/proxy-core/run.sh: the upstream that stands in for Tor, and the client that
 * measures throughput, stream set-up and many idle streams through SOCKS5 proxies on loopback.
 *
 * <p>{@code serve} listens on two loopback ports and prints them: a plain upstream ("sink") and a
 * "fake Tor" SocksPort that answers any greeting (username/password accepted, as Tor does), any CONNECT
 * with success and then behaves as the sink on the same connection. After set-up a client sends one mode
 * byte: {@code E} echo (the byte itself comes back first), {@code D} download (the upstream writes without
 * end), {@code U} upload (the upstream reads and discards).
 *
 * <p>{@code compare ROUNDS SECONDS SINK_PORT name=direct name=socks:PORT ...} and
 * {@code idle STREAMS PROXY_PORT SINK_PORT PROXY_PID}: see run.sh. {@code setups BLOCKS COUNT SINK_PORT name=... ...}
 * prints the distribution of set-ups through each target, interleaved in blocks (see {@link #setups}). SOCKS messages go through the project's
 * codec (on the class path from proxy-core.jar); the client does not pipeline greeting and request, since
 * microsocks and dante read them one at a time.
 */
public class ProxyBench {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final int CHUNK = 64 * 1024;
    /** Set-ups through each target before the first round of {@code compare}, so that no round measures JIT warm-up. */
    static final int WARM_UP_SETUPS = 3000;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "serve": serve(); break;
            case "compare": compare(args); break;
            case "idle": idle(args); break;
            case "setups": setups(args); break;
            case "ports": ports(Integer.parseInt(args[1])); break;
            default: throw new IllegalArgumentException("mode: " + args[0] + " (expected: serve, compare, setups or idle)");
        }
    }

    /** Prints {@code n} distinct loopback ports that are free now. */
    static void ports(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ServerSocket s = new ServerSocket(0, 1, LOOPBACK);
            held.add(s);
            out.append(i == 0 ? "" : " ").append(s.getLocalPort());
        }
        for (ServerSocket s : held) {
            s.close();
        }
        System.out.println(out);
    }

    // ---- upstream: the sink and the fake Tor SocksPort -------------------------------------------

    static void serve() throws IOException {
        ServerSocket sink = new ServerSocket(0, 4096, LOOPBACK);
        ServerSocket fakeTor = new ServerSocket(0, 4096, LOOPBACK);
        System.out.println(sink.getLocalPort() + " " + fakeTor.getLocalPort());
        System.out.flush();
        Thread t = new Thread(() -> accept(fakeTor, true), "fake-tor-accept");
        t.start();
        accept(sink, false);
    }

    static void accept(ServerSocket server, boolean socks) {
        while (true) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(null, () -> upstream(s, socks), "upstream", 256 * 1024);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                System.err.println("accept failed: " + e);
                return;
            }
        }
    }

    static void upstream(Socket s, boolean socks) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(1024);
            if (socks) {
                Socks5InitialRequest greeting = readGreedy(in, buf, Socks5Codec::decodeInitialRequest);
                boolean password = greeting.authMethods().contains(Socks5AuthMethod.PASSWORD);
                out.write(Socks5Codec.encode(new Socks5InitialResponse(
                        password ? Socks5AuthMethod.PASSWORD : Socks5AuthMethod.NO_AUTH)));
                if (password) {
                    readGreedy(in, buf, Socks5Codec::decodePasswordAuthRequest);
                    out.write(Socks5Codec.encode(new Socks5PasswordAuthResponse((byte) 0)));
                }
                readGreedy(in, buf, Socks5Codec::decodeCommandRequest);
                out.write(Socks5Codec.encode(Socks5CommandResponse.of(Socks5CommandStatus.SUCCESS)));
            }
            buf.flip();
            int mode = buf.hasRemaining() ? buf.get() : in.read();
            byte[] data = new byte[CHUNK];
            if (mode == 'E') {
                out.write('E');
                int n = buf.remaining();
                buf.get(data, 0, n);
                while (true) {
                    if (n > 0) {
                        out.write(data, 0, n);
                    }
                    n = in.read(data);
                    if (n < 0) {
                        return;
                    }
                }
            } else if (mode == 'D') {
                while (true) {
                    out.write(data);
                }
            } else if (mode == 'U') {
                while (in.read(data) >= 0) {
                    // discard
                }
            }
        } catch (IOException e) {
            // the client closed: the end of every stream here
        }
    }

    /** Reads whatever arrives until a message decodes; bytes after it stay in {@code buf} (write mode). */
    static <T> T readGreedy(InputStream in, ByteBuffer buf, Function<ByteBuffer, Socks5Decoded<T>> decoder)
            throws IOException {
        while (true) {
            buf.flip();
            Socks5Decoded<T> d = decoder.apply(buf);
            buf.compact();
            if (d.isDone()) {
                return d.message();
            }
            if (d.isFailed()) {
                throw new IOException(d.failure());
            }
            int n = in.read(buf.array(), buf.position(), buf.remaining());
            if (n < 0) {
                throw new EOFException();
            }
            buf.position(buf.position() + n);
        }
    }

    /** Reads exactly the message's bytes, as the agent does, so that nothing after it is consumed. */
    static <T> T readExactly(InputStream in, Function<ByteBuffer, Socks5Decoded<T>> decoder) throws IOException {
        byte[] b = new byte[600];
        int have = 0;
        while (true) {
            Socks5Decoded<T> d = decoder.apply(ByteBuffer.wrap(b, 0, have));
            if (d.isDone()) {
                return d.message();
            }
            if (d.isFailed()) {
                throw new IOException(d.failure());
            }
            while (have < d.bytesNeeded()) {
                int n = in.read(b, have, d.bytesNeeded() - have);
                if (n < 0) {
                    throw new EOFException("the proxy closed during the SOCKS handshake");
                }
                have += n;
            }
        }
    }

    // ---- client -----------------------------------------------------------------------------------

    /** A way to reach the sink: directly, or through a SOCKS5 proxy on a loopback port. */
    static final class Target {
        final String name;
        final int socksPort; // 0: direct
        /** Greeting and request in one write, as the agent sends them (microsocks and dante need them apart). */
        final boolean pipelined;

        Target(String spec) {
            int eq = spec.indexOf('=');
            name = spec.substring(0, eq);
            String how = spec.substring(eq + 1);
            pipelined = how.startsWith("socks-pipelined:");
            socksPort = how.equals("direct") ? 0 : Integer.parseInt(how.substring(how.indexOf(':') + 1));
        }

        /** Connects, runs the SOCKS handshake when proxied, sends the mode byte; for E waits for its echo. */
        Socket open(int sinkPort, char mode) throws IOException {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(LOOPBACK, socksPort == 0 ? sinkPort : socksPort));
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                if (socksPort != 0) {
                    byte[] greeting = Socks5Codec.encode(new Socks5InitialRequest(List.of(Socks5AuthMethod.NO_AUTH)));
                    byte[] request = Socks5Codec.encode(
                            Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT, LOOPBACK, sinkPort));
                    if (pipelined) {
                        byte[] both = Arrays.copyOf(greeting, greeting.length + request.length);
                        System.arraycopy(request, 0, both, greeting.length, request.length);
                        out.write(both);
                    } else {
                        out.write(greeting);
                    }
                    Socks5InitialResponse choice = readExactly(in, Socks5Codec::decodeInitialResponse);
                    if (!choice.authMethod().equals(Socks5AuthMethod.NO_AUTH)) {
                        throw new IOException(name + " chose " + choice.authMethod());
                    }
                    if (!pipelined) {
                        out.write(request);
                    }
                    Socks5CommandResponse reply = readExactly(in, Socks5Codec::decodeCommandResponse);
                    if (!reply.status().isSuccess()) {
                        throw new IOException(name + " answered " + reply.status());
                    }
                }
                out.write(mode);
                if (mode == 'E' && in.read() != 'E') {
                    throw new IOException(name + ": no echo after set-up");
                }
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }
    }

    static void compare(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        int sinkPort = Integer.parseInt(args[3]);
        List<Target> targets = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            targets.add(new Target(args[i]));
        }
        String[] metrics = {"download, 1 stream (MB/s)", "download, 64 streams (MB/s)", "upload, 1 stream (MB/s)",
            "upload, 64 streams (MB/s)", "set-up, median of 1 client (us)", "set-ups/s, 16 clients",
            "set-up, p99 of 1 client (us)"};
        Map<String, double[][]> results = new LinkedHashMap<>();
        for (String m : metrics) {
            results.put(m, new double[targets.size()][rounds]);
        }
        // A JVM compiles its hot paths in its first seconds (C2 on the same 2 cores): without this, the first round
        // measured proxy-core's set-up while its handshake was still being compiled (see the README's figures).
        for (Target target : targets) {
            for (int i = 0; i < WARM_UP_SETUPS; i++) {
                target.open(sinkPort, 'E').close();
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int t = 0; t < targets.size(); t++) {
                Target target = targets.get(t);
                results.get(metrics[0])[t][r] = throughput(target, sinkPort, 1, 'D', seconds);
                results.get(metrics[1])[t][r] = throughput(target, sinkPort, 64, 'D', seconds);
                results.get(metrics[2])[t][r] = throughput(target, sinkPort, 1, 'U', seconds);
                results.get(metrics[3])[t][r] = throughput(target, sinkPort, 64, 'U', seconds);
                double[] setups = setupLatencies(target, sinkPort, 2000, seconds);
                results.get(metrics[4])[t][r] = percentile(setups, 50);
                results.get(metrics[6])[t][r] = percentile(setups, 99);
                results.get(metrics[5])[t][r] = setupRate(target, sinkPort, 16, seconds);
                System.err.printf("round %d/%d %-12s done%n", r + 1, rounds, target.name);
            }
        }
        StringBuilder head = new StringBuilder(String.format("%-34s", "median of " + rounds + " rounds"));
        for (Target t : targets) {
            head.append(String.format("%14s", t.name));
        }
        System.out.println(head);
        Map<String, double[]> medians = new LinkedHashMap<>();
        for (String m : metrics) {
            double[] med = new double[targets.size()];
            StringBuilder line = new StringBuilder(String.format("%-34s", m));
            for (int t = 0; t < targets.size(); t++) {
                med[t] = median(results.get(m)[t]);
                line.append(String.format("%14.0f", med[t]));
            }
            medians.put(m, med);
            System.out.println(line);
        }
        verdicts(targets, metrics, medians);
    }

    /** Prints proxy-core's ratios against the targets (targets are named direct, proxy-core, ...). */
    static void verdicts(List<Target> targets, String[] metrics, Map<String, double[]> medians) {
        int direct = index(targets, "direct");
        int core = index(targets, "proxy-core");
        if (direct < 0 || core < 0) {
            return;
        }
        System.out.println();
        for (int m = 0; m < 4; m++) {
            double[] v = medians.get(metrics[m]);
            double best = 0;
            String bestName = "-";
            for (int t = 0; t < targets.size(); t++) {
                if (t != direct && !targets.get(t).name.startsWith("proxy-core") && v[t] > best) {
                    best = v[t];
                    bestName = targets.get(t).name;
                }
            }
            System.out.printf("%-34s proxy-core/direct %.2f (target >= 0.50: %s), proxy-core/%s %.2f (target >= 1.00: %s)%n",
                    metrics[m], v[core] / v[direct], v[core] / v[direct] >= 0.5 ? "met" : "MISSED", bestName,
                    v[core] / best, v[core] >= best ? "met" : "MISSED");
        }
        double[] setup = medians.get(metrics[4]);
        for (int t = 0; t < targets.size(); t++) {
            if (t != direct) {
                double added = setup[t] - setup[direct];
                System.out.printf("set-up added over direct, %-12s %6.0f us%s%n", targets.get(t).name, added,
                        t == core ? (added <= 100 ? " (target <= 100 us: met)" : " (target <= 100 us: MISSED)") : "");
            }
        }
    }

    static int index(List<Target> targets, String name) {
        for (int t = 0; t < targets.size(); t++) {
            if (targets.get(t).name.equals(name)) {
                return t;
            }
        }
        return -1;
    }

    /** MB/s (10^6 bytes) moved by {@code streams} streams in one direction, after a 0.5 s warm-up. */
    static double throughput(Target target, int sinkPort, int streams, char mode, double seconds) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            sockets.add(target.open(sinkPort, mode));
        }
        LongAdder bytes = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (Socket s : sockets) {
            Thread t = new Thread(() -> {
                byte[] data = new byte[CHUNK];
                try {
                    if (mode == 'D') {
                        InputStream in = s.getInputStream();
                        int n;
                        while (!stop.get() && (n = in.read(data)) > 0) {
                            bytes.add(n);
                        }
                    } else {
                        OutputStream out = s.getOutputStream();
                        while (!stop.get()) {
                            out.write(data);
                            bytes.add(data.length);
                        }
                    }
                } catch (IOException e) {
                    if (!stop.get()) {
                        System.err.println(target.name + ": a stream failed during the transfer: " + e);
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        Thread.sleep(500);
        long start = System.nanoTime();
        long before = bytes.sum();
        Thread.sleep((long) (seconds * 1000));
        long moved = bytes.sum() - before;
        long elapsed = System.nanoTime() - start;
        stop.set(true);
        for (Socket s : sockets) {
            s.close();
        }
        for (Thread t : threads) {
            t.join(5000);
        }
        return moved / 1e6 / (elapsed / 1e9);
    }

    /**
     * Microseconds of connect, SOCKS handshake, one echoed byte and close, one after another, after 200 of them as
     * warm-up; sorted.
     */
    static double[] setupLatencies(Target target, int sinkPort, int count, double seconds) throws IOException {
        for (int i = 0; i < 200; i++) {
            target.open(sinkPort, 'E').close();
        }
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Double> us = new ArrayList<>();
        while (us.size() < count && System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            target.open(sinkPort, 'E').close();
            us.add((System.nanoTime() - t0) / 1e3);
        }
        double[] sorted = us.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted;
    }

    /** The {@code p}th percentile (nearest rank) of {@code sorted}. */
    static double percentile(double[] sorted, double p) {
        if (p == 50) {
            return median(sorted);
        }
        return sorted[Math.max(0, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }

    /**
     * {@code setups BLOCKS COUNT SINK_PORT name=socks:PORT ...}: the distribution of set-ups one after another (what
     * the median and p99 of {@code compare} come from), {@code COUNT} through each target in turn, {@code BLOCKS}
     * times, so that every target sees the same load on a shared machine; percentiles over all of a target's
     * set-ups, the median of the blocks' p99, and how many took over 1 ms.
     */
    static void setups(String[] args) throws Exception {
        int blocks = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int sinkPort = Integer.parseInt(args[3]);
        List<Target> targets = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            targets.add(new Target(args[i]));
        }
        double[][] all = new double[targets.size()][0];
        double[][] blockP99 = new double[targets.size()][blocks];
        for (int b = 0; b < blocks; b++) {
            for (int t = 0; t < targets.size(); t++) {
                double[] us = setupLatencies(targets.get(t), sinkPort, count, 600);
                blockP99[t][b] = percentile(us, 99);
                double[] joined = Arrays.copyOf(all[t], all[t].length + us.length);
                System.arraycopy(us, 0, joined, all[t].length, us.length);
                all[t] = joined;
            }
        }
        for (int t = 0; t < targets.size(); t++) {
            double[] us = all[t];
            Arrays.sort(us);
            int slow = 0;
            for (double u : us) {
                slow += u > 1000 ? 1 : 0;
            }
            System.out.printf("%-18s n=%d p50 %.0f p90 %.0f p99 %.0f p99.9 %.0f max %.0f us; median of %d blocks' p99"
                    + " %.0f us; over 1 ms: %d%n", targets.get(t).name, us.length, percentile(us, 50),
                    percentile(us, 90), percentile(us, 99), percentile(us, 99.9), us[us.length - 1], blocks,
                    median(blockP99[t]), slow);
            System.out.printf("%-18s p99 of each block, in order: %s us%n", "",
                    Arrays.toString(Arrays.stream(blockP99[t]).mapToLong(Math::round).toArray()));
        }
    }

    /** Completed set-ups (as in {@link #setupLatencies}) per second with {@code clients} clients in parallel. */
    static double setupRate(Target target, int sinkPort, int clients, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        LongAdder done = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean counting = new AtomicBoolean();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                while (!stop.get()) {
                    try {
                        target.open(sinkPort, 'E').close();
                        if (counting.get()) {
                            done.increment();
                        }
                    } catch (IOException e) {
                        failed.increment();
                    }
                }
            }));
        }
        Thread.sleep(300);
        counting.set(true);
        long start = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        counting.set(false);
        long elapsed = System.nanoTime() - start;
        stop.set(true);
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        if (failed.sum() > 0) {
            System.err.println(target.name + ": " + failed.sum() + " set-ups failed");
        }
        return done.sum() / (elapsed / 1e9);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    // ---- many idle streams --------------------------------------------------------------------------

    /**
     * Opens {@code streams} echo streams through the proxy and keeps them all open; then, three times,
     * every stream sends 512 bytes and reads them back; then reports the proxy's RSS and heap.
     */
    static void idle(String[] args) throws Exception {
        int streams = Integer.parseInt(args[1]);
        Target target = new Target("proxy-core=socks:" + args[2]);
        int sinkPort = Integer.parseInt(args[3]);
        long pid = Long.parseLong(args[4]);
        String jcmd = args[5];
        System.out.printf("proxy-core before: %s; %s%n", rss(pid), heap(jcmd, pid, false));

        Socket[] sockets = new Socket[streams];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        long t0 = System.nanoTime();
        CountDownLatch opened = new CountDownLatch(32);
        for (int w = 0; w < 32; w++) {
            pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < streams) {
                    try {
                        sockets[i] = target.open(sinkPort, 'E');
                    } catch (IOException e) {
                        if (failures.getAndIncrement() < 5) {
                            System.err.println("stream " + i + " could not be opened: " + e);
                        }
                    }
                }
                opened.countDown();
            });
        }
        opened.await();
        long openMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("opened %d of %d streams through proxy-core in %d ms (%d failed)%n",
                streams - failures.get(), streams, openMs, failures.get());
        System.out.printf("proxy-core with the streams open: %s; %s%n", rss(pid), heap(jcmd, pid, false));

        byte[] ping = new byte[512];
        for (int pass = 1; pass <= 3; pass++) {
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger idx = new AtomicInteger();
            long p0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < 32; w++) {
                fs.add(pool.submit(() -> {
                    byte[] back = new byte[ping.length];
                    int i;
                    while ((i = idx.getAndIncrement()) < streams) {
                        Socket s = sockets[i];
                        if (s == null) {
                            continue;
                        }
                        try {
                            s.getOutputStream().write(ping);
                            s.getInputStream().readNBytes(back, 0, back.length);
                            ok.incrementAndGet();
                        } catch (IOException e) {
                            // counted as not ok
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            System.out.printf("pass %d: %d of %d streams echoed 512 bytes in %d ms%n", pass, ok.get(), streams,
                    (System.nanoTime() - p0) / 1_000_000);
        }
        System.out.printf("proxy-core after the passes: %s; %s%n", rss(pid), heap(jcmd, pid, false));
        System.out.printf("proxy-core after a full GC: %s; %s%n", rss(pid), heap(jcmd, pid, true));
        for (Socket s : sockets) {
            if (s != null) {
                s.close();
            }
        }
        pool.shutdown();
        System.out.println(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                ? "proxy-core is still running" : "proxy-core is NOT running any more");
    }

    static String rss(long pid) throws IOException {
        String rss = "?";
        String threads = "?";
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = String.format("%.0f MiB", Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
            } else if (line.startsWith("Threads:")) {
                threads = line.replaceAll("\\D", "");
            }
        }
        long fds;
        try (var list = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = list.count();
        }
        return "RSS " + rss + ", " + threads + " threads, " + fds + " fds";
    }

    /** Heap used and committed from {@code jcmd PID GC.heap_info}, after {@code GC.run} when asked. */
    static String heap(String jcmd, long pid, boolean gcFirst) throws Exception {
        if (gcFirst) {
            run(jcmd, Long.toString(pid), "GC.run");
        }
        String out = run(jcmd, Long.toString(pid), "GC.heap_info");
        for (String line : out.split("\n")) {
            String l = line.trim();
            if (l.contains("total") && l.contains("used")) {
                // e.g. "garbage-first heap   total 262144K, used 20480K [0x..."
                String total = l.replaceAll(".*total (\\d+)K.*", "$1");
                String used = l.replaceAll(".*used (\\d+)K.*", "$1");
                return String.format("heap used %.1f MiB of %.0f MiB committed", Long.parseLong(used) / 1024.0,
                        Long.parseLong(total) / 1024.0);
            }
        }
        return "heap: " + out.trim();
    }

    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
