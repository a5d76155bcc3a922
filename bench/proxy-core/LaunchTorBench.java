import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams through proxy-core (launched tors on the private network) to web.streamiso.test, an echo server of this
 * program's on 127.0.0.1: phase "circuits", every stream with a key of its own (Tor builds a circuit for each);
 * phase "streams", a few keys whose circuits exist, each stream reusing one.
 * Usage: java LaunchTorBench.java PROXY_PORT WORKERS NEW_KEYS STREAMS
 */
public class LaunchTorBench {
    static int echoPort;

    public static void main(String[] args) throws Exception {
        int proxyPort = Integer.parseInt(args[0]);
        int workers = Integer.parseInt(args[1]);
        int newKeys = Integer.parseInt(args[2]);
        int streams = Integer.parseInt(args[3]);
        ServerSocket echo = new ServerSocket(0, 512, java.net.InetAddress.getLoopbackAddress());
        echoPort = echo.getLocalPort();
        Thread acceptor = new Thread(() -> {
            while (true) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException ignored) {
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        String run = Long.toHexString(System.nanoTime());
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        // Warm-up: the fixed keys' circuits.
        for (int k = 0; k < workers; k++) {
            stream(proxyPort, "warm" + k + run);
        }
        double circuits = phase(pool, newKeys, i -> "new" + i + run, proxyPort);
        double reused = phase(pool, streams, i -> "warm" + (i % workers) + run, proxyPort);
        System.out.printf("circuits/s %.1f (%d streams, each a key of its own)%n", circuits, newKeys);
        System.out.printf("streams/s %.1f (%d streams over %d keys with built circuits)%n", reused, streams, workers);
        pool.shutdownNow();
    }

    interface Keys {
        String key(int i);
    }

    static double phase(ExecutorService pool, int count, Keys keys, int proxyPort) throws Exception {
        AtomicInteger failures = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String key = keys.key(i);
            futures.add(pool.submit(() -> {
                try {
                    stream(proxyPort, key);
                } catch (IOException e) {
                    failures.incrementAndGet();
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failures.get() > 0) {
            System.out.println("failures: " + failures.get());
        }
        return (count - failures.get()) / seconds;
    }

    /** One SOCKS5 CONNECT with <torS0X>0 credentials, one echoed byte. */
    static void stream(int proxyPort, String key) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxyPort), 10_000);
            s.setSoTimeout(60_000);
            s.setTcpNoDelay(true);
            byte[] user = "<torS0X>0".getBytes(StandardCharsets.US_ASCII);
            byte[] pass = ("si1:bench:app:" + key).getBytes(StandardCharsets.US_ASCII);
            byte[] host = "web.streamiso.test".getBytes(StandardCharsets.US_ASCII);
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            b.write(new byte[] {5, 1, 2});
            b.write(1);
            b.write(user.length);
            b.write(user);
            b.write(pass.length);
            b.write(pass);
            b.write(new byte[] {5, 1, 0, 3, (byte) host.length});
            b.write(host);
            b.write(echoPort >> 8);
            b.write(echoPort & 0xFF);
            OutputStream out = s.getOutputStream();
            out.write(b.toByteArray());
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(2 + 2 + 4);
            if (head.length < 8 || head[3] != 0 || head[5] != 0) {
                throw new IOException("refused");
            }
            int atyp = head[7];
            in.readNBytes(atyp == 1 ? 6 : atyp == 4 ? 18 : in.read() + 2);
            out.write('x');
            if (in.read() != 'x') {
                throw new IOException("no echo");
            }
        }
    }
}
