package org.streamiso.agent.it;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Collectors;
import javax.naming.directory.Attributes;
import javax.naming.directory.InitialDirContext;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * An unmodified application that asks a DNS server itself, one JDK API or client library per path, for the in-JVM
 * DNS server's tests: {@code DnsServerClients PATH NAMESERVER NAME}. NAMESERVER is an address literal; every query
 * goes to its port 53. Prints {@code PATH: OK from=<sender> local=<port> <reply>} with the reply as dnsjava reads
 * it ({@code rcode=NOERROR tc=0 A=127.0.0.7 ttl=30}), or {@code PATH: EXC <exception>}. {@code all} runs
 * {@link #PATHS} in one JVM; {@code jndi} (JNDI's DNS client) and {@code dnsjava-udp} and {@code dnsjava-tcp} (dnsjava's
 * SimpleResolver) run on their own: both read /etc/resolv.conf for their search list though they are given the
 * nameserver.
 *
 * <p>Replies are parsed with dnsjava, a codec independent of the agent's own.
 */
public final class DnsServerClients {
    public static final List<String> PATHS = List.of("udp-channel", "udp-channel-connected", "udp-channel-selector",
            "udp-socket", "udp-socket-connected", "tcp-socket", "tcp-channel", "aaaa", "ptr", "mx", "malformed",
            "edns", "badvers", "unknown-name");

    private DnsServerClients() {
    }

    public static void main(String[] args) {
        InetAddress nameserver;
        try {
            nameserver = InetAddress.getByName(args[1]); // a literal: never a lookup
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
        List<String> paths = args[0].equals("all") ? PATHS : List.of(args[0].split(","));
        for (String p : paths) {
            System.out.print(p + ": ");
            Clients.report(() -> call(p, new InetSocketAddress(nameserver, 53), args[2]));
        }
    }

    private static byte[] query(String name, int type, int id) throws Exception {
        Message m = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
        m.getHeader().setID(id);
        return m.toWire();
    }

    private static String call(String path, InetSocketAddress ns, String name) throws Exception {
        switch (path) {
            case "udp-channel":
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ch.send(ByteBuffer.wrap(query(name, Type.A, 101)), ns);
                    ByteBuffer in = ByteBuffer.allocate(1500);
                    SocketAddress from = ch.receive(in);
                    return reply(from, ch.getLocalAddress(), in, 101);
                }
            case "udp-channel-connected":
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ch.connect(ns);
                    ch.write(ByteBuffer.wrap(query(name, Type.A, 102)));
                    ByteBuffer in = ByteBuffer.allocate(1500);
                    ch.read(in);
                    return reply(ch.getRemoteAddress(), ch.getLocalAddress(), in, 102) + " connected=" + ch.isConnected();
                }
            case "udp-channel-selector":
                try (DatagramChannel ch = DatagramChannel.open(); Selector selector = Selector.open()) {
                    ch.configureBlocking(false);
                    ch.register(selector, SelectionKey.OP_READ);
                    ch.send(ByteBuffer.wrap(query(name, Type.A, 103)), ns);
                    int ready = selector.select(10_000);
                    if (ready != 1) {
                        return "not readable within 10 s (select gave " + ready + ")";
                    }
                    ByteBuffer in = ByteBuffer.allocate(1500);
                    SocketAddress from = ch.receive(in);
                    return reply(from, ch.getLocalAddress(), in, 103) + " selected=" + ready;
                }
            case "udp-socket":
                try (DatagramSocket s = new DatagramSocket()) {
                    s.setSoTimeout(10_000);
                    byte[] q = query(name, Type.A, 104);
                    s.send(new DatagramPacket(q, q.length, ns));
                    DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
                    s.receive(p);
                    return reply(p.getSocketAddress(), s.getLocalSocketAddress(),
                            ByteBuffer.wrap(p.getData(), 0, p.getLength()).position(p.getLength()), 104);
                }
            case "udp-socket-connected":
                try (DatagramSocket s = new DatagramSocket()) {
                    s.setSoTimeout(10_000);
                    s.connect(ns);
                    byte[] q = query(name, Type.A, 105);
                    s.send(new DatagramPacket(q, q.length));
                    DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
                    s.receive(p);
                    return reply(p.getSocketAddress(), s.getLocalSocketAddress(),
                            ByteBuffer.wrap(p.getData(), 0, p.getLength()).position(p.getLength()), 105)
                            + " peer=" + s.getRemoteSocketAddress() + " inet=" + s.getInetAddress() + ":" + s.getPort();
                }
            case "tcp-socket":
                try (Socket s = new Socket()) {
                    s.connect(ns, 10_000);
                    s.setSoTimeout(10_000);
                    return tcp(s.getInputStream(), s.getOutputStream(), name, 106) + " from=" + s.getRemoteSocketAddress()
                            + " local=" + s.getLocalPort();
                }
            case "tcp-channel":
                try (SocketChannel ch = SocketChannel.open(ns)) {
                    ch.socket().setSoTimeout(10_000);
                    return tcp(ch.socket().getInputStream(), ch.socket().getOutputStream(), name, 107) + " from="
                            + ch.getRemoteAddress() + " local=" + ((InetSocketAddress) ch.getLocalAddress()).getPort();
                }
            case "aaaa":
                return udp(ns, query(name, Type.AAAA, 108), 108);
            case "ptr":
                return udp(ns, query("7.0.0.127.in-addr.arpa.", Type.PTR, 109), 109);
            case "mx":
                return udp(ns, query(name, Type.MX, 110), 110);
            case "malformed": {
                byte[] q = query(name, Type.A, 111);
                return udp(ns, Arrays.copyOf(q, q.length - 3), 111);
            }
            case "edns": {
                Message m = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), Type.A, DClass.IN));
                m.getHeader().setID(112);
                m.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
                return udp(ns, m.toWire(), 112);
            }
            case "badvers": {
                Message m = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), Type.A, DClass.IN));
                m.getHeader().setID(113);
                m.addRecord(new OPTRecord(4096, 0, 1), Section.ADDITIONAL);
                return udp(ns, m.toWire(), 113);
            }
            case "unknown-name":
                return udp(ns, query("unknown-" + name, Type.A, 114), 114);
            case "keys": {
                // Queries from two threads and from a scope of the isolation API, on every path the server learns a
                // query's origin by: under isolate=thread the RESOLVEs of key-a1 (a blocking send, answered in the
                // sending thread) and key-a2 (TCP) share the main thread's credentials; key-b1 (another thread, a
                // non-blocking channel answered by the server's threads) and key-s1 (a scope, a connected channel's
                // write) have their own.
                String a1 = udp(ns, query("key-a1-" + name, Type.A, 120), 120);
                String a2 = call("tcp-socket", ns, "key-a2-" + name);
                String[] b1 = new String[1];
                Thread other = new Thread(() -> {
                    try {
                        b1[0] = call("udp-channel-selector", ns, "key-b1-" + name);
                    } catch (Exception e) {
                        b1[0] = e.toString();
                    }
                });
                other.start();
                other.join();
                String s1 = org.streamiso.isolation.StreamIsolation.call("alice",
                        () -> call("udp-channel-connected", ns, "key-s1-" + name));
                return String.join(" | ", a1, a2, b1[0], s1);
            }
            case "jndi": {
                Hashtable<String, String> env = new Hashtable<>();
                env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
                env.put("java.naming.provider.url", "dns://" + ns.getAddress().getHostAddress());
                env.put("com.sun.jndi.dns.timeout.retries", "1");
                Attributes a = new InitialDirContext(env).getAttributes(name, new String[] {"A"});
                return String.valueOf(a);
            }
            case "dnsjava-udp":
            case "dnsjava-tcp": {
                SimpleResolver resolver = new SimpleResolver(ns);
                resolver.setTCP(path.equals("dnsjava-tcp"));
                resolver.setTimeout(java.time.Duration.ofSeconds(10));
                Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name, Name.root),
                        Type.A, DClass.IN)));
                return describe(answer);
            }
            default:
                throw new IllegalArgumentException("path: " + path + " (expected one of " + PATHS + ")");
        }
    }

    private static String udp(InetSocketAddress ns, byte[] q, int id) throws Exception {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.socket().setSoTimeout(10_000);
            ch.send(ByteBuffer.wrap(q), ns);
            DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
            ch.socket().receive(p);
            return reply(p.getSocketAddress(), ch.getLocalAddress(),
                    ByteBuffer.wrap(p.getData(), 0, p.getLength()).position(p.getLength()), id);
        }
    }

    private static String tcp(java.io.InputStream in, OutputStream out, String name, int id) throws Exception {
        byte[] q = query(name, Type.A, id);
        byte[] framed = new byte[q.length + 2];
        framed[0] = (byte) (q.length >> 8);
        framed[1] = (byte) q.length;
        System.arraycopy(q, 0, framed, 2, q.length);
        out.write(framed);
        out.flush();
        DataInputStream data = new DataInputStream(in);
        byte[] r = new byte[data.readUnsignedShort()];
        data.readFully(r);
        Message m = new Message(r);
        return (m.getHeader().getID() == id ? "" : "WRONG-ID ") + describe(m);
    }

    private static String reply(SocketAddress from, SocketAddress local, ByteBuffer in, int id) throws Exception {
        in.flip();
        byte[] b = new byte[in.remaining()];
        in.get(b);
        Message m = new Message(b);
        return "from=" + from + " local=" + ((InetSocketAddress) local).getPort() + " "
                + (m.getHeader().getID() == id ? "" : "WRONG-ID ") + describe(m);
    }

    private static String describe(Message m) {
        String answers = m.getSection(Section.ANSWER).stream()
                .map(r -> Type.string(r.getType()) + "=" + r.rdataToString() + " ttl=" + r.getTTL())
                .collect(Collectors.joining(" "));
        OPTRecord opt = m.getOPT();
        return "rcode=" + Rcode.string(m.getRcode()) + " tc=" + (m.getHeader().getFlag(Flags.TC) ? 1 : 0)
                + " qr=" + (m.getHeader().getFlag(Flags.QR) ? 1 : 0) + (answers.isEmpty() ? " no-answer" : " " + answers)
                + (opt == null ? "" : " opt=" + opt.getPayloadSize());
    }
}
