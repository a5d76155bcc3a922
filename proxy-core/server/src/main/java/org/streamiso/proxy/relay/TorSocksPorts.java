package org.streamiso.proxy.relay;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.streamiso.proxy.internal.Log;

/**
 * The configured Tor SocksPorts: streams are spread over them in turn, and a SocksPort that failed is tried last
 * until it works again. Shared by the selector threads: every method is synchronized.
 *
 * <p><b>Important:</b> these addresses are the only ones proxy-core connects to on behalf of a client.
 */
final class TorSocksPorts {
    /** One SocksPort and whether it failed last time. */
    static final class SocksPort {
        final InetSocketAddress address;
        boolean down;

        SocksPort(InetSocketAddress address) {
            this.address = address;
        }

        @Override
        public String toString() {
            return address.getAddress().getHostAddress() + ":" + address.getPort();
        }
    }

    private final List<SocksPort> ports = new ArrayList<>();
    private final Log log;
    private int next;

    TorSocksPorts(List<InetSocketAddress> addresses, Log log) {
        for (InetSocketAddress address : addresses) {
            ports.add(new SocksPort(address));
        }
        this.log = log;
    }

    /** Every SocksPort, in the order to try for the next stream: the next in turn first, failed ones last. */
    synchronized List<SocksPort> order() {
        int n = ports.size();
        int start = next;
        next = (next + 1) % n;
        List<SocksPort> up = new ArrayList<>(n);
        List<SocksPort> down = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SocksPort port = ports.get((start + i) % n);
            (port.down ? down : up).add(port);
        }
        up.addAll(down);
        return up;
    }

    /** Records a failure; the first failure after a success is logged, repeats are not. */
    synchronized void failed(SocksPort port, String what) {
        if (!port.down) {
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

    /** Each SocksPort and whether it is marked down, in configured order. */
    synchronized List<RelaySnapshot.SocksPortStatus> status() {
        List<RelaySnapshot.SocksPortStatus> out = new ArrayList<>(ports.size());
        for (SocksPort port : ports) {
            out.add(new RelaySnapshot.SocksPortStatus(port.address, port.down));
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
            sb.append(port);
        }
        return sb.toString();
    }
}
