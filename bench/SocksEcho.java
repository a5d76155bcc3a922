import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Benchmark peer: a minimal SOCKS5 server on 127.0.0.1 (no authentication or RFC 1929 accepting any credentials, CONNECT answered with success,
 * then echo) on the first port it prints, and a plain echo server on the second. Run without the agent:
 * {@code java bench/SocksEcho.java}.
 */
public class SocksEcho {
    public static void main(String[] args) throws Exception {
        ServerSocket socks = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        ServerSocket echo = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        System.out.println(socks.getLocalPort() + " " + echo.getLocalPort());
        System.out.flush();
        new Thread(() -> accept(echo, false)).start();
        accept(socks, true);
    }

    static void accept(ServerSocket server, boolean socks) {
        while (true) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                Thread t = new Thread(() -> serve(s, socks));
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    static void serve(Socket s, boolean socks) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (socks) {
                int n = readN(in, 2)[1];
                boolean password = false;
                for (byte m : readN(in, n)) {
                    password |= m == 2;
                }
                if (password) {
                    // RFC 1929, which the agent offers alone since it sends isolation credentials.
                    out.write(new byte[] {5, 2});
                    readN(in, readN(in, 2)[1] & 0xFF);
                    readN(in, readN(in, 1)[0] & 0xFF);
                    out.write(new byte[] {1, 0});
                } else {
                    out.write(new byte[] {5, 0});
                }
                byte[] head = readN(in, 4);
                int len = head[3] == 1 ? 4 : head[3] == 4 ? 16 : readN(in, 1)[0] & 0xFF;
                readN(in, len + 2);
                out.write(new byte[] {5, 0, 0, 1, 0, 0, 0, 0, 0, 0});
                out.flush();
            }
            byte[] buf = new byte[8192];
            int r;
            while ((r = in.read(buf)) > 0) {
                out.write(buf, 0, r);
                out.flush();
            }
        } catch (IOException e) {
            // The client closed.
        }
    }

    static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("short read");
        }
        return b;
    }
}
