package org.streamiso.agent.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Collectors;
import javax.naming.directory.Attributes;
import javax.naming.directory.InitialDirContext;

/**
 * An unmodified application for the DNS and UDP tests: one JDK name or datagram API per path, printing
 * {@code OK <what it got>} or {@code EXC <exception>} (and {@code CAUSE} lines).
 *
 * <p>Usage: {@code DnsUdpClients PATH NAME PORT TARGET}: NAME is looked up (the name paths, and
 * {@code connect-resolved}, which then fetches {@code http://NAME:PORT/} by the answer); TARGET is the
 * address literal that reverse lookups, datagrams and probes aim at. PATH {@code all} runs
 * {@link #LEAK_PATHS} in one JVM, one line each.
 */
public final class DnsUdpClients {
    /** The name paths: each must answer through the agent, never through the machine's resolver. */
    public static final List<String> NAME_PATHS = List.of("get-by-name", "get-all-by-name", "inet-socket-address",
            "connect-resolved", "get-host-name", "get-canonical-host-name", "reverse-of-answer");

    /**
     * The datagram paths, the probe and SCTP: each must be refused with nothing sent ({@link #refusal}). Also
     * refused, run on their own: {@code jndi-dns} (JNDI's DNS client reads /etc/resolv.conf, so it would blur the
     * trace of the others) and {@code multicast-join}.
     */
    public static final List<String> REFUSED_PATHS = List.of("datagram-socket-send", "datagram-socket-connect",
            "multicast-socket-send", "datagram-channel-send", "datagram-channel-connect", "is-reachable",
            "sctp-channel");

    /** The start of the exception message the agent gives a path of {@link #REFUSED_PATHS}. */
    public static String refusal(String path, int port) {
        switch (path) {
            case "is-reachable": return "java.io.IOException: streamiso refused to probe whether [scrubbed] is reachable";
            case "sctp-channel": return "java.net.SocketException: streamiso refused to open an SCTP socket";
            default: return "java.net.SocketException: streamiso refused a UDP datagram to [scrubbed]:" + port
                    + ": UDP cannot go through Tor";
        }
    }

    /** What the syscall-trace test runs in one JVM. */
    public static final List<String> LEAK_PATHS = concat(NAME_PATHS, REFUSED_PATHS);

    private DnsUdpClients() {
    }

    public static void main(String[] args) throws Exception {
        String path = args[0];
        String name = args[1];
        int port = Integer.parseInt(args[2]);
        String target = args[3];
        if (path.equals("all")) {
            for (String p : LEAK_PATHS) {
                System.out.print(p + ": ");
                run(p, name, port, target);
            }
            return;
        }
        run(path, name, port, target);
    }

    private static void run(String path, String name, int port, String target) {
        Clients.report(() -> call(path, name, port, target));
    }

    private static String call(String path, String name, int port, String target) throws Exception {
        byte[] payload = "streamiso test datagram".getBytes(StandardCharsets.US_ASCII);
        InetAddress to = InetAddress.getByName(target); // a literal: never a lookup
        switch (path) {
            case "get-by-name":
                return describe(InetAddress.getByName(name));
            case "get-all-by-name":
                return Arrays.stream(InetAddress.getAllByName(name)).map(DnsUdpClients::describe)
                        .collect(Collectors.joining(" "));
            case "inet-socket-address": {
                InetSocketAddress isa = new InetSocketAddress(name, port);
                return isa.isUnresolved() ? "unresolved " + isa.getHostString() : describe(isa.getAddress());
            }
            case "connect-resolved": {
                InetAddress answer = InetAddress.getByName(name);
                try (Socket s = new Socket(answer, port)) {
                    s.setSoTimeout(30_000);
                    s.getOutputStream().write(("GET /connect-resolved HTTP/1.0\r\nHost: " + name + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    return response.substring(0, response.indexOf('\r')) + " | " + describe(answer);
                }
            }
            case "get-host-name":
                return InetAddress.getByAddress(to.getAddress()).getHostName();
            case "get-canonical-host-name":
                return InetAddress.getByAddress(to.getAddress()).getCanonicalHostName();
            case "reverse-of-answer":
                // The answer's bytes alone, as code that stores addresses has them: a placeholder names itself.
                return InetAddress.getByAddress(InetAddress.getByName(name).getAddress()).getHostName();
            case "datagram-socket-send":
                try (DatagramSocket s = new DatagramSocket()) {
                    s.send(new DatagramPacket(payload, payload.length, to, port));
                    return "sent";
                }
            case "datagram-socket-connect":
                try (DatagramSocket s = new DatagramSocket()) {
                    s.connect(new InetSocketAddress(to, port));
                    s.send(new DatagramPacket(payload, payload.length));
                    return "sent";
                }
            case "multicast-socket-send":
                try (MulticastSocket s = new MulticastSocket()) {
                    s.send(new DatagramPacket(payload, payload.length, to, port));
                    return "sent";
                }
            case "multicast-join":
                try (MulticastSocket s = new MulticastSocket(port)) {
                    s.joinGroup(new InetSocketAddress(InetAddress.getByName("239.255.42.99"), port), null);
                    return "joined";
                }
            case "datagram-channel-send":
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ch.send(ByteBuffer.wrap(payload), new InetSocketAddress(to, port));
                    return "sent";
                }
            case "datagram-channel-connect":
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ch.connect(new InetSocketAddress(to, port));
                    ch.write(ByteBuffer.wrap(payload));
                    return "sent";
                }
            case "jndi-dns": {
                Hashtable<String, String> env = new Hashtable<>();
                env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
                env.put("java.naming.provider.url", "dns://" + target + ":" + port);
                env.put("com.sun.jndi.dns.timeout.retries", "1");
                Attributes a = new InitialDirContext(env).getAttributes(name, new String[] {"A"});
                return String.valueOf(a);
            }
            case "is-reachable":
                return "reachable=" + to.isReachable(2000);
            case "sctp-channel":
                try (com.sun.nio.sctp.SctpChannel ch = com.sun.nio.sctp.SctpChannel.open()) {
                    ch.connect(new InetSocketAddress(to, port));
                    return "connected";
                }
            default:
                throw new IllegalArgumentException("path: " + path + " (expected one of " + LEAK_PATHS
                        + ", jndi-dns or multicast-join)");
        }
    }

    private static String describe(InetAddress a) {
        return a.getHostName() + "/" + a.getHostAddress();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
