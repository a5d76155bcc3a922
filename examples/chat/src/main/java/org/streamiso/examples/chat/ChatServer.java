package org.streamiso.examples.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * A tiny line server for {@link Chat}, on 127.0.0.1 only: every line a client sends goes to every client as
 * {@code <nick> line}, its sender included, so a client sees its own lines come back.
 *
 * <p>Protocol, one UTF-8 line each way: {@code NICK name} first (answered {@code * welcome name, N online}), then text
 * lines, then {@code /quit} (answered {@code * bye name}, then the server closes the connection). Errors start with
 * {@code !}.
 *
 * <p>{@code java -cp examples/chat/target/chat.jar org.streamiso.examples.chat.ChatServer [PORT]}
 */
public final class ChatServer implements AutoCloseable {

    /** The longest line the server takes, in characters; a longer one closes the connection. */
    public static final int MAX_LINE = 1024;

    private static final int MAX_CLIENTS = 64;
    private static final Pattern NICK = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    private final ServerSocket listener;
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private ChatServer(ServerSocket listener) {
        this.listener = listener;
        this.acceptor = new Thread(this::acceptLoop, "chat-server-accept");
        this.acceptor.setDaemon(true);
    }

    /** Starts a server on 127.0.0.1:{@code port} (0: a free port). */
    public static ChatServer start(int port) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        ChatServer server = new ChatServer(listener);
        server.acceptor.start();
        return server;
    }

    /** The port the server listens on. */
    public int port() {
        return listener.getLocalPort();
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        if (args.length > 1 || args.length == 1 && !args[0].matches("\\d{1,5}")) {
            System.err.println("usage: java -cp chat.jar org.streamiso.examples.chat.ChatServer [PORT]");
            System.exit(2);
        }
        if (args.length == 1) {
            port = Integer.parseInt(args[0]);
        }
        ChatServer server = start(port);
        System.out.println("chat server on 127.0.0.1:" + server.port() + "; Ctrl-C stops it.");
        server.acceptor.join();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (clients.size() >= MAX_CLIENTS) {
                closeQuietly(socket);
                continue;
            }
            Client client = new Client(socket);
            Thread thread = new Thread(client::serve, "chat-server-client");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void broadcast(String line, Client except) {
        for (Client c : clients) {
            if (c != except) {
                c.send(line);
            }
        }
    }

    /** Closes the listener and every client connection. */
    @Override
    public void close() throws IOException {
        listener.close();
        for (Client c : clients) {
            closeQuietly(c.socket);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing on the way out; nothing more to tell the client.
        }
    }

    private final class Client {
        final Socket socket;
        String nick;
        OutputStream out;

        Client(Socket socket) {
            this.socket = socket;
        }

        void serve() {
            try (socket) {
                socket.setSoTimeout(300_000);
                out = socket.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.length() > MAX_LINE) {
                        send("! line: " + line.length() + " characters (expected: at most " + MAX_LINE + ")");
                        return;
                    }
                    if (nick == null) {
                        if (line.startsWith("NICK ") && NICK.matcher(line.substring(5)).matches()) {
                            nick = line.substring(5);
                            clients.add(this);
                            send("* welcome " + nick + ", " + clients.size() + " online");
                            broadcast("* " + nick + " joined", this);
                        } else {
                            send("! expected: NICK name first (name: 1-32 of A-Z a-z 0-9 _ -)");
                        }
                    } else if ("/quit".equals(line)) {
                        send("* bye " + nick);
                        return;
                    } else {
                        broadcast("<" + nick + "> " + line, null);
                    }
                }
            } catch (IOException e) {
                // The client went away; the others are told below.
            } finally {
                if (clients.remove(this)) {
                    broadcast("* " + nick + " left", this);
                }
            }
        }

        synchronized void send(String line) {
            try {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                closeQuietly(socket); // a client that cannot take a line is gone; its reader thread ends
            }
        }
    }
}
