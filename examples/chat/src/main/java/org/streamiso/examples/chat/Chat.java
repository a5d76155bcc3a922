package org.streamiso.examples.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat client in the manner of an IRC client: one long-lived {@link Socket} to a line server ({@link ChatServer}),
 * lines sent, whatever comes back printed. It knows nothing of Tor; under the agent its one connection goes through
 * the SocksPort and the server's name is resolved by Tor.
 *
 * <p>{@code java -jar chat.jar HOST:PORT NICK [--pause SECONDS] [LINE ...]}: with lines, it sends each (waiting for it
 * to come back, then pausing), then {@code /quit}, and exits 0 when every line came back; without lines, it sends
 * what is typed on standard input until end of input.
 */
public final class Chat {
    private static final int CONNECT_TIMEOUT_MILLIS = 60_000;
    private static final int READ_TIMEOUT_MILLIS = 60_000;

    private Chat() {
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = new ArrayList<>();
        double pauseSeconds = 1;
        int i = 2;
        if (args.length >= 4 && "--pause".equals(args[2])) {
            try {
                pauseSeconds = Double.parseDouble(args[3]);
            } catch (NumberFormatException e) {
                pauseSeconds = -1;
            }
            if (!(pauseSeconds >= 0 && pauseSeconds <= 600)) {
                usage("--pause: \"" + args[3] + "\" (expected: 0-600 seconds)");
            }
            i = 4;
        }
        if (args.length < 2) {
            usage(null);
        }
        int colon = args[0].lastIndexOf(':');
        int port = colon > 0 && args[0].substring(colon + 1).matches("\\d{1,5}")
                ? Integer.parseInt(args[0].substring(colon + 1)) : -1;
        if (port < 1 || port > 65535) {
            usage("HOST:PORT: \"" + args[0] + "\" (expected: a host name or address, a colon, a port 1-65535)");
        }
        String host = args[0].substring(0, colon);
        String nick = args[1];
        for (; i < args.length; i++) {
            lines.add(args[i]);
        }
        System.exit(lines.isEmpty() ? interactive(host, port, nick) : scripted(host, port, nick, lines,
                (long) (pauseSeconds * 1000)));
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("chat: " + problem);
        }
        System.err.println("usage: java -jar chat.jar HOST:PORT NICK [--pause SECONDS] [LINE ...]");
        System.exit(2);
    }

    /** Sends each line and waits for it to come back; returns the exit code. */
    private static int scripted(String host, int port, String nick, List<String> lines, long pauseMillis)
            throws IOException, InterruptedException {
        try (Socket socket = connect(host, port)) {
            BufferedReader in = reader(socket);
            OutputStream out = socket.getOutputStream();
            send(out, "NICK " + nick);
            if (!awaitLine(in, "* welcome " + nick + ",", true)) {
                return failed("the server did not welcome " + nick);
            }
            for (int n = 0; n < lines.size(); n++) {
                if (n > 0) {
                    Thread.sleep(pauseMillis);
                }
                send(out, lines.get(n));
                if (!awaitLine(in, "<" + nick + "> " + lines.get(n), false)) {
                    return failed("line " + (n + 1) + " did not come back");
                }
            }
            send(out, "/quit");
            if (!awaitLine(in, "* bye " + nick, false)) {
                return failed("the server did not say bye");
            }
            System.out.println("chat: " + lines.size() + " of " + lines.size()
                    + " lines came back over one connection (local " + socket.getLocalSocketAddress() + ")");
            return 0;
        } catch (SocketTimeoutException e) {
            return failed("the server sent nothing for " + READ_TIMEOUT_MILLIS / 1000 + " s");
        }
    }

    /** Sends standard input line by line while a reader thread prints what comes back. */
    private static int interactive(String host, int port, String nick) throws IOException, InterruptedException {
        try (Socket socket = connect(host, port)) {
            socket.setSoTimeout(0); // a chat may stay quiet for long
            BufferedReader in = reader(socket);
            Thread printer = new Thread(() -> {
                try {
                    for (String line; (line = in.readLine()) != null; ) {
                        System.out.println("< " + line);
                    }
                } catch (IOException e) {
                    // Connection closed; main sees it too.
                }
            }, "chat-printer");
            printer.setDaemon(true);
            printer.start();
            OutputStream out = socket.getOutputStream();
            send(out, "NICK " + nick);
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = stdin.readLine()) != null; ) {
                send(out, line);
            }
            send(out, "/quit");
            printer.join(READ_TIMEOUT_MILLIS);
            return 0;
        }
    }

    private static Socket connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        try {
            // An unresolved address: the name goes to the SocksPort as a name under the agent.
            socket.connect(InetSocketAddress.createUnresolved(host, port), CONNECT_TIMEOUT_MILLIS);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        System.out.println("chat: connected to " + host + ":" + port + " (local " + socket.getLocalSocketAddress()
                + ")");
        return socket;
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        System.out.println("> " + line);
    }

    /** Prints lines until one is {@code expected} (or starts with it); false at end of stream. */
    private static boolean awaitLine(BufferedReader in, String expected, boolean prefix) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            System.out.println("< " + line);
            if (prefix ? line.startsWith(expected) : line.equals(expected)) {
                return true;
            }
        }
        return false;
    }

    private static int failed(String what) {
        System.err.println("chat: " + what + "; giving up (exit 1). Is HOST:PORT a chat server such as ChatServer?");
        return 1;
    }
}
