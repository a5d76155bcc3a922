package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import java.net.InetSocketAddress;

/**
 * The agent's settings after its arguments were checked: where the SocksPort is, what is bypassed,
 * how names are resolved, where UDP may go, how streams are isolated, and how much to log.
 *
 * @param socksPort   the SOCKS5 server every routed connection goes to; always a resolved literal address
 * @param bypass      destinations connected and resolved directly
 * @param dns         how names outside the bypass are resolved
 * @param udp         where datagrams may go
 * @param logLevel    how much to log
 * @param safeLogging whether destinations and keys print as {@code [scrubbed]}
 * @param app         the application's name in its isolation strings
 * @param isolate     the isolation modes besides {@code app}
 * @param linkSecret  the {@code link-jvms} secret shared with other JVMs, or null: a random one per JVM
 * @param timeoutSeconds how long reaching the SocksPort and its SOCKS handshake may take where the application
 *                    set no connect timeout of its own (and for every lookup through Tor)
 * @param dnsServer   whether DNS queries to port 53 outside the bypass are answered inside the JVM ({@link
 *                    DnsServer}); else they are refused like any other datagram
 * @param exec        what becomes of a child process the application starts
 * @param childArguments the agent arguments a child JVM gets: the keys given, from the command line and the config
 *                    file, with file paths made absolute; null when a path holds a comma and cannot be passed on
 */
public record AgentConfig(InetSocketAddress socksPort, Bypass bypass, Dns dns, Udp udp, Log.Level logLevel,
        boolean safeLogging, String app, java.util.Set<Isolation.Mode> isolate, byte[] linkSecret, int timeoutSeconds,
        boolean dnsServer, ChildProcesses.Exec exec, String childArguments) {

    /** Tor's own limit for a stream to attach (SocksTimeout, two minutes): waiting longer never helps. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 120;

    /** {@link #timeoutSeconds} in nanoseconds. */
    public long timeoutNanos() {
        return java.util.concurrent.TimeUnit.SECONDS.toNanos(timeoutSeconds);
    }

    /** The {@code dns} argument. */
    public enum Dns {
        /** Tor resolves each name (SOCKS RESOLVE) and the answer keeps the name for the connect. */
        REMOTE,
        /** A placeholder address from {@link NameTable}'s range stands for the name; no round trip. */
        MAPPED
    }

    /** The {@code udp} argument: Tor carries no UDP, so datagrams can only go to local destinations. */
    public enum Udp {
        /** Only to bypassed destinations (the default: loopback). */
        BYPASS,
        /** To loopback addresses and bypassed destinations. */
        LOOPBACK,
        /** Nowhere. */
        NONE
    }

    /** Returns {@code host:port} of the SocksPort, for messages. */
    public String socksPortText() {
        return Socks5Address.format(socksPort.getAddress().getHostAddress(), socksPort.getPort());
    }
}
