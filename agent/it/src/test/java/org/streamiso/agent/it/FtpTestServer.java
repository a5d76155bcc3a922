package org.streamiso.agent.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An FTP server on loopback that speaks just enough of RFC 959 and RFC 2428 for the JDK's own client
 * ({@code sun.net.ftp.impl.FtpClient}, behind {@code ftp://} URLs), and whose passive-mode answers name an
 * address of the test's choosing, as a hostile server's would.
 *
 * <p>The user name picks the answers to the passive-mode commands:
 * <ul>
 * <li>{@code epsv}: {@code EPSV ALL} gets 200 and {@code EPSV} gets {@code 229 (|||advertisedPort|)};
 * <li>{@code pasv-hostile}: {@code EPSV} gets 500 and {@code PASV} gets {@code 227} with 127.0.0.1 and
 *     advertisedPort, which tells the client to connect to a port of its own machine;
 * <li>{@code pasv}: {@code EPSV} gets 500 and {@code PASV} gets {@code 227} with advertisedIpv4 and advertisedPort;
 * </ul>
 * any other user gets 500 for all three. Active mode ({@code PORT}, {@code EPRT}) is always refused, so the
 * only data connection is the one the client opens to the advertised address; whatever arrives on the data
 * listener carries the next transfer, so the test's SOCKS mapping decides where the advertised port leads.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc959">RFC 959: File Transfer Protocol</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc2428">RFC 2428: FTP Extensions for IPv6 and NATs (EPSV)</a>
 */
final class FtpTestServer implements AutoCloseable {
    /** What {@code RETR} of any file sends. */
    public static final String CONTENT = "served by the FTP server's own data port\n";
    private static final int SOCKET_TIMEOUT_MS = 30_000;
    private static final int DATA_ACCEPT_TIMEOUT_MS = 10_000;

    private final ServerSocket control;
    private final ServerSocket data;
    private final int advertisedPort;
    private final String advertisedIpv4;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<String> uploads = new CopyOnWriteArrayList<>();
    private final AtomicInteger dataConnections = new AtomicInteger();

    /**
     * Starts the control and data listeners on 127.0.0.1.
     *
     * @param advertisedPort the port that {@code 227} and {@code 229} name; 0 names {@link #dataPort()}
     * @param advertisedIpv4 the address that {@code 227} names for user {@code pasv}, dotted
     */
    FtpTestServer(int advertisedPort, String advertisedIpv4) throws IOException {
        if (advertisedPort < 0 || advertisedPort > 65535) {
            throw new IllegalArgumentException("advertisedPort: " + advertisedPort + " (expected: 0-65535)");
        }
        if (!advertisedIpv4.matches("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}")) {
            throw new IllegalArgumentException("advertisedIpv4: \"" + advertisedIpv4
                    + "\" (expected: a dotted IPv4 address)");
        }
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        control = new ServerSocket(0, 50, loopback);
        data = new ServerSocket(0, 50, loopback);
        data.setSoTimeout(DATA_ACCEPT_TIMEOUT_MS);
        this.advertisedPort = advertisedPort == 0 ? data.getLocalPort() : advertisedPort;
        this.advertisedIpv4 = advertisedIpv4;
        Thread t = new Thread(this::acceptLoop, "ftp-test-server");
        t.setDaemon(true);
        t.start();
    }

    /** The control port. */
    int port() {
        return control.getLocalPort();
    }

    /** The port where this server accepts data connections, whatever port it advertises. */
    int dataPort() {
        return data.getLocalPort();
    }

    /** How many connections the data listener accepted. */
    int dataConnections() {
        return dataConnections.get();
    }

    /** Every command line received on any control connection, in order, for diagnostics. */
    List<String> commands() {
        return List.copyOf(commands);
    }

    /** The bytes of each completed {@code STOR}, as UTF-8. */
    List<String> uploads() {
        return List.copyOf(uploads);
    }

    private void acceptLoop() {
        while (!control.isClosed()) {
            try {
                Socket s = control.accept();
                Thread t = new Thread(() -> serve(s), "ftp-test-control");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(SOCKET_TIMEOUT_MS);
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = client.getOutputStream();
            reply(out, "220 streamiso FTP test server ready");
            String user = "";
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                commands.add(line);
                int space = line.indexOf(' ');
                String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
                String arg = space < 0 ? "" : line.substring(space + 1).trim();
                switch (verb) {
                    case "USER":
                        user = arg;
                        reply(out, "331 Password required for " + arg);
                        break;
                    case "PASS":
                        reply(out, "230 User logged in");
                        break;
                    case "TYPE":
                        reply(out, "200 Type set to " + arg);
                        break;
                    case "SYST":
                        reply(out, "215 UNIX Type: L8");
                        break;
                    case "FEAT":
                        reply(out, "211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n MDTM\r\n211 End");
                        break;
                    case "PWD":
                        reply(out, "257 \"/\" is the current directory");
                        break;
                    case "CWD":
                    case "CDUP":
                        reply(out, "250 Directory changed");
                        break;
                    case "SIZE":
                        reply(out, "213 " + CONTENT.getBytes(StandardCharsets.UTF_8).length);
                        break;
                    case "MDTM":
                        reply(out, "213 20240101000000");
                        break;
                    case "NOOP":
                        reply(out, "200 NOOP ok");
                        break;
                    case "QUIT":
                        reply(out, "221 Goodbye");
                        return;
                    case "EPSV":
                        reply(out, epsv(user, arg));
                        break;
                    case "PASV":
                        reply(out, pasv(user));
                        break;
                    case "PORT":
                    case "EPRT":
                        // Active mode would make this server connect out; the tests only want passive mode.
                        reply(out, "500 Active mode is not offered here");
                        break;
                    case "RETR":
                        retrieve(out, arg);
                        break;
                    case "STOR":
                        store(out, arg);
                        break;
                    default:
                        reply(out, "502 Command not implemented: " + verb);
                }
            }
        } catch (IOException e) {
            // The client went away or timed out; the commands so far are recorded.
        }
    }

    private String epsv(String user, String arg) {
        if (!user.equals("epsv")) {
            return "500 EPSV not understood";
        }
        return arg.equalsIgnoreCase("ALL") ? "200 EPSV ALL ok"
                : "229 Entering Extended Passive Mode (|||" + advertisedPort + "|)";
    }

    private String pasv(String user) {
        String address;
        if (user.equals("pasv-hostile")) {
            address = "127,0,0,1";
        } else if (user.equals("pasv")) {
            address = advertisedIpv4.replace('.', ',');
        } else {
            return "500 PASV not understood";
        }
        return "227 Entering Passive Mode (" + address + "," + (advertisedPort >> 8) + "," + (advertisedPort & 0xff) + ")";
    }

    private void retrieve(OutputStream out, String file) throws IOException {
        reply(out, "150 Opening BINARY mode data connection for " + file);
        try (Socket d = acceptData()) {
            d.getOutputStream().write(CONTENT.getBytes(StandardCharsets.UTF_8));
        } catch (SocketTimeoutException e) {
            reply(out, "425 No data connection arrived within " + DATA_ACCEPT_TIMEOUT_MS + " ms");
            return;
        } catch (IOException e) {
            reply(out, "426 Data connection closed; transfer aborted");
            return;
        }
        reply(out, "226 Transfer complete");
    }

    private void store(OutputStream out, String file) throws IOException {
        reply(out, "150 Opening BINARY mode data connection for " + file);
        byte[] bytes;
        try (Socket d = acceptData()) {
            bytes = d.getInputStream().readAllBytes();
        } catch (SocketTimeoutException e) {
            reply(out, "425 No data connection arrived within " + DATA_ACCEPT_TIMEOUT_MS + " ms");
            return;
        } catch (IOException e) {
            reply(out, "426 Data connection closed; transfer aborted");
            return;
        }
        uploads.add(new String(bytes, StandardCharsets.UTF_8));
        reply(out, "226 Transfer complete");
    }

    /** The next data connection; one transfer at a time, so two sessions never take each other's. */
    private Socket acceptData() throws IOException {
        synchronized (data) {
            Socket d = data.accept();
            dataConnections.incrementAndGet();
            d.setSoTimeout(SOCKET_TIMEOUT_MS);
            return d;
        }
    }

    private static void reply(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            control.close();
        } finally {
            data.close();
        }
    }
}
