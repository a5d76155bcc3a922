import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * Benchmark: connect latency, measured as connect plus one echoed byte, median of N after a warm-up.
 * {@code java [JVM options] bench/ConnectBench.java MODE HOST PORT N}; MODE is {@code socket} (java.net.Socket
 * to an unresolved name or a literal) or {@code channel-nb} (non-blocking SocketChannel with a Selector).
 * Prints {@code median_us p90_us}.
 */
public class ConnectBench {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        int n = Integer.parseInt(args[3]);
        InetSocketAddress target = host.matches("[0-9.]+") ? new InetSocketAddress(host, port)
                : InetSocketAddress.createUnresolved(host, port);
        for (int i = 0; i < n / 2; i++) {
            once(mode, target);
        }
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            once(mode, target);
            t[i] = System.nanoTime() - start;
        }
        Arrays.sort(t);
        System.out.printf("%.1f %.1f%n", t[n / 2] / 1000.0, t[n * 9 / 10] / 1000.0);
    }

    static void once(String mode, InetSocketAddress target) throws IOException {
        if (mode.equals("socket")) {
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(target, 5000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write(42);
                if (in.read() != 42) {
                    throw new IOException("bad echo");
                }
            }
        } else {
            try (Selector sel = Selector.open(); SocketChannel ch = SocketChannel.open()) {
                ch.configureBlocking(false);
                SelectionKey key = ch.register(sel, SelectionKey.OP_CONNECT);
                if (!ch.connect(target)) {
                    while (!ch.finishConnect()) {
                        sel.select();
                    }
                }
                ch.write(ByteBuffer.wrap(new byte[] {42}));
                key.interestOps(SelectionKey.OP_READ);
                ByteBuffer b = ByteBuffer.allocate(1);
                while (ch.read(b) == 0) {
                    sel.select();
                }
            }
        }
    }
}
