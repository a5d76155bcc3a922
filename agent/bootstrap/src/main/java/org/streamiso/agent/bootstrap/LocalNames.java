package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The answers to the names that are this machine's own, given without any resolver: {@code localhost} (RFC 6761:
 * always the loopback address) and the machine's host name, from the hosts file when it lists the name, else the
 * loopback address. Each answer keeps the name that was asked.
 *
 * <p><b>Important:</b> glibc answers these from {@code /etc/hosts} only when the file has the exact name; for
 * {@code localhost.}, {@code LOCALHOST.} or a host name the file lacks it asks the DNS server, and so the name
 * would leave the machine outside Tor. So the hosts file is read here, as a file, and nothing is asked of glibc.
 */
final class LocalNames {
    private static final byte[] LOOPBACK_V4 = {127, 0, 0, 1};
    private static final byte[] LOOPBACK_V6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private LocalNames() {
    }

    /** {@code localhost}: 127.0.0.1 and ::1, as the lookup's characteristics ask for them. */
    static InetAddress[] loopback(String host, int characteristics) throws UnknownHostException {
        List<byte[]> v4 = new ArrayList<>();
        List<byte[]> v6 = new ArrayList<>();
        v4.add(LOOPBACK_V4);
        v6.add(LOOPBACK_V6);
        return answer(host, v4, v6, characteristics);
    }

    /**
     * The machine's own name: the addresses the hosts file gives it ({@code jdk.net.hosts.file} when set, as the
     * JDK's own resolver would read, else {@code /etc/hosts}), or the loopback address when it lists none.
     */
    static InetAddress[] ownHost(String host, int characteristics) throws UnknownHostException {
        String file = System.getProperty("jdk.net.hosts.file");
        List<byte[]> v4 = new ArrayList<>();
        List<byte[]> v6 = new ArrayList<>();
        hostsFileAddresses(Path.of(file != null ? file : "/etc/hosts"), host, v4, v6);
        if (v4.isEmpty() && v6.isEmpty()) {
            return loopback(host, characteristics);
        }
        return answer(host, v4, v6, characteristics);
    }

    /**
     * Adds the addresses a hosts file gives {@code host} (case-insensitive, without the root dot): lines of an
     * address and its names, {@code #} comments. A line that is not of that form is skipped, as glibc skips it.
     */
    static void hostsFileAddresses(Path hostsFile, String host, List<byte[]> v4, List<byte[]> v6) {
        String wanted = Bypass.canonicalName(host);
        List<String> lines;
        try {
            lines = Files.readAllLines(hostsFile, StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return; // no hosts file: the name has no entry
        }
        for (String line : lines) {
            int hash = line.indexOf('#');
            String[] fields = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
            if (fields.length < 2 || fields[0].indexOf('%') >= 0) {
                continue;
            }
            byte[] address = Socks5Address.parseLiteralIgnoringZone(fields[0]);
            if (address == null) {
                continue;
            }
            for (int i = 1; i < fields.length; i++) {
                if (fields[i].toLowerCase(Locale.ROOT).equals(wanted)) {
                    (address.length == 4 ? v4 : v6).add(address);
                    break;
                }
            }
        }
    }

    private static InetAddress[] answer(String host, List<byte[]> v4, List<byte[]> v6, int characteristics)
            throws UnknownHostException {
        boolean wantV4 = (characteristics & Lookups.IPV4) != 0;
        boolean wantV6 = (characteristics & Lookups.IPV6) != 0;
        boolean v6First = (characteristics & Lookups.IPV6_FIRST) != 0;
        if (Runtime.version().feature() < 18) {
            // JDK 17 asks for every family; its own resolver honours these two properties.
            wantV6 = !Boolean.getBoolean("java.net.preferIPv4Stack");
            v6First = Boolean.getBoolean("java.net.preferIPv6Addresses");
        }
        List<InetAddress> out = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) {
            boolean v6Pass = pass == 0 ? v6First : !v6First;
            if (v6Pass ? wantV6 : wantV4) {
                for (byte[] a : v6Pass ? v6 : v4) {
                    out.add(InetAddress.getByAddress(host, a));
                }
            }
        }
        if (out.isEmpty()) {
            throw new UnknownHostException(Log.scrub(host) + ": no address of the asked family in the hosts file");
        }
        return out.toArray(new InetAddress[0]);
    }
}
