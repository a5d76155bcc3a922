package org.streamiso.proxy.relay;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.streamiso.proxy.internal.Log;

/**
 * The Tor SocksPorts, and which of them each Tor isolation key uses. Shared by the selector threads: every method is
 * synchronized.
 *
 * <p>A key (the credentials a stream sends Tor) sticks to one SocksPort: while it has open streams, its new streams
 * go where the open ones are; without open streams it goes to the SocksPort that rendezvous hashing ranks first for
 * it among those that are up, so it comes back to the same one as long as the set of SocksPorts stays the same. So
 * with several tor daemons a key's streams can still share its circuit, and a key never rides two daemons at once;
 * only when its SocksPort fails (its tor is gone, and its streams with it) does the key move. A SocksPort that failed
 * is tried last until it works again; one that is {@linkplain #unavailable unavailable} (a launched tor that is
 * restarting or bootstrapping) is never tried: its port may be anyone's by now.
 *
 * <p><b>Important:</b> these addresses are the only ones proxy-core connects to on behalf of a client.
 */
final class TorSocksPorts {
    /** One SocksPort and its state. */
    static final class SocksPort {
        final int index;
        /** Changes only through {@link TorSocksPorts#available}, when a launched tor started again on a new port. */
        volatile InetSocketAddress address;
        /** The last attempt failed. */
        boolean down;
        /** False while a launched tor is not up: the SocksPort is not tried at all. */
        boolean available = true;
        final long seed = ThreadLocalRandom.current().nextLong();

        SocksPort(int index, InetSocketAddress address) {
            this.index = index;
            this.address = address;
        }

        @Override
        public String toString() {
            InetSocketAddress a = address;
            return a.getAddress().getHostAddress() + ":" + a.getPort();
        }
    }

    /** The SocksPort a key's open streams use, and how many they are. */
    private static final class Assignment {
        SocksPort port;
        int open;
    }

    private final List<SocksPort> ports = new ArrayList<>();
    private final Map<String, Assignment> assignments = new HashMap<>();
    private final Log log;

    TorSocksPorts(List<InetSocketAddress> addresses, Log log) {
        for (InetSocketAddress address : addresses) {
            ports.add(new SocksPort(ports.size(), address));
        }
        this.log = log;
    }

    /**
     * The SocksPorts to try for a stream of {@code key}, in order: the one the key's open streams use (if it is up),
     * else the key's first in rendezvous order; the others after it, failed ones last, unavailable ones never.
     * Empty when no SocksPort is available.
     */
    synchronized List<SocksPort> order(String key) {
        int n = ports.size();
        List<SocksPort> up = new ArrayList<>(n);
        List<SocksPort> down = new ArrayList<>(n);
        Assignment assignment = assignments.get(key);
        SocksPort sticky = assignment != null && assignment.port.available && !assignment.port.down
                ? assignment.port : null;
        if (sticky != null) {
            up.add(sticky);
        }
        List<SocksPort> ranked = new ArrayList<>(ports);
        int hash = key.hashCode();
        ranked.sort((a, b) -> Long.compareUnsigned(weight(b, hash), weight(a, hash)));
        for (SocksPort port : ranked) {
            if (port != sticky && port.available) {
                (port.down ? down : up).add(port);
            }
        }
        up.addAll(down);
        return up;
    }

    /** Rendezvous weight of {@code port} for a key (SplitMix64 of the port's seed and the key's hash). */
    private static long weight(SocksPort port, int keyHash) {
        long z = port.seed ^ (keyHash * 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A stream of {@code key} connected to {@code port}: the key's next streams go there while this one is open. */
    synchronized void opened(String key, SocksPort port) {
        Assignment assignment = assignments.computeIfAbsent(key, k -> new Assignment());
        if (assignment.port != port) {
            // The key moved (its SocksPort failed): the streams left on the old one are gone with their tor.
            assignment.port = port;
            assignment.open = 0;
        }
        assignment.open++;
    }

    /** The stream of {@code key} on {@code port} closed. */
    synchronized void closed(String key, SocksPort port) {
        Assignment assignment = assignments.get(key);
        if (assignment != null && assignment.port == port && --assignment.open <= 0) {
            assignments.remove(key);
        }
    }

    /** Records a failure; the first failure after a success is logged, repeats are not. */
    synchronized void failed(SocksPort port, String what) {
        if (!port.down && port.available) {
            port.down = true;
            log.warn("Tor SocksPort " + port + " " + what + "; it is tried last until it works again, and no stream"
                    + " goes anywhere but the configured SocksPorts. Is tor running with SocksPort " + port.address.getPort()
                    + " (see --tor-socks)?");
        }
    }

    /** Records a success; logs when the port works again after a failure. */
    synchronized void succeeded(SocksPort port) {
        if (port.down) {
            port.down = false;
            log.info("Tor SocksPort " + port + " accepts streams again.");
        }
    }

    /** SocksPort {@code index} is up at {@code address} (a launched tor bootstrapped, perhaps on a new port). */
    synchronized void available(int index, InetSocketAddress address) {
        SocksPort port = ports.get(index);
        port.address = address;
        port.down = false;
        port.available = true;
    }

    /** SocksPort {@code index} must not be tried until {@link #available} (its launched tor is not up). */
    synchronized void unavailable(int index) {
        ports.get(index).available = false;
    }

    /** Each SocksPort and whether it is marked down (or unavailable), in configured order. */
    synchronized List<RelaySnapshot.SocksPortStatus> status() {
        List<RelaySnapshot.SocksPortStatus> out = new ArrayList<>(ports.size());
        for (SocksPort port : ports) {
            out.add(new RelaySnapshot.SocksPortStatus(port.address, port.down || !port.available));
        }
        return out;
    }

    /** {@code 127.0.0.1:9050, 127.0.0.1:9052} */
    synchronized String describe() {
        StringBuilder sb = new StringBuilder();
        for (SocksPort port : ports) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(port).append(port.available ? "" : " (its tor is not up)");
        }
        return sb.toString();
    }
}
