import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Benchmark peer: a SOCKS5 server on 127.0.0.1 that answers Tor's RESOLVE (0xF0) at once with
 * {@value #ANSWER_TEXT} and RESOLVE_PTR (0xF1) with {@value #PTR_ANSWER}, then closes the connection as Tor
 * does; any other command gets 0x07 (command not supported). It prints its port and serves one connection
 * at a time on the accepting thread, so no thread start per lookup lands in the measured time: what a lookup
 * costs here is the client's TCP connect, one write, two reads and the close. Run without the agent:
 * {@code java bench/SocksResolve.java}.
 *
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions</a>
 */
public class SocksResolve {
    /** The address every RESOLVE gets: TEST-NET-2 (RFC 5737), never connected to by the benchmark. */
    static final String ANSWER_TEXT = "198.51.100.7";
    static final String PTR_ANSWER = "ptr.bench.example";
    private static final byte[] ANSWER = {(byte) 198, 51, 100, 7};

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress())) {
            System.out.println(server.getLocalPort());
            System.out.flush();
            long served = 0;
            while (true) {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(5000);
                    serve(s.getInputStream(), s.getOutputStream());
                    served++;
                } catch (IOException e) {
                    System.err.println("SocksResolve: " + e + " after " + served + " requests");
                }
            }
        }
    }

    static void serve(InputStream in, OutputStream out) throws IOException {
        int methods = readN(in, 2)[1] & 0xFF;
        boolean password = false;
        for (byte m : readN(in, methods)) {
            password |= m == 2;
        }
        if (password) {
            // RFC 1929, which the agent offers alone since it sends isolation credentials: read them, accept any.
            readN(in, readN(in, 2)[1] & 0xFF);
            readN(in, readN(in, 1)[0] & 0xFF);
        }
        byte[] head = readN(in, 4); // VER CMD RSV ATYP
        int cmd = head[1] & 0xFF;
        int len = head[3] == 1 ? 4 : head[3] == 4 ? 16 : readN(in, 1)[0] & 0xFF;
        readN(in, len + 2);
        byte[] reply;
        if (cmd == 0xF0) {
            reply = new byte[] {5, 0, 5, 0, 0, 1, ANSWER[0], ANSWER[1], ANSWER[2], ANSWER[3], 0, 0};
        } else if (cmd == 0xF1) {
            byte[] name = PTR_ANSWER.getBytes(StandardCharsets.US_ASCII);
            reply = new byte[2 + 5 + name.length + 2];
            reply[0] = 5;
            reply[2] = 5;
            reply[5] = 3;
            reply[6] = (byte) name.length;
            System.arraycopy(name, 0, reply, 7, name.length);
        } else {
            reply = new byte[] {5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0};
        }
        if (password) {
            // Method choice 0x02 and the RFC 1929 status instead of the choice 0x00.
            byte[] withAuth = new byte[reply.length + 2];
            withAuth[0] = 5;
            withAuth[1] = 2;
            withAuth[2] = 1;
            withAuth[3] = 0;
            System.arraycopy(reply, 2, withAuth, 4, reply.length - 2);
            reply = withAuth;
        }
        // Method reply and command reply in one write: the peer answers as fast as a peer can.
        out.write(reply);
        out.flush();
    }

    static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("short read");
        }
        return b;
    }
}
