package org.streamiso.testnet.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on 127.0.0.1, picked by the kernel.
 *
 * <p>All ports of one call are held open together, so they are distinct from one another; they are
 * released before returning, so another process could take one before tor binds it. A tor that
 * cannot bind exits with "Could not bind" in its log, and {@code PrivateTorNetwork} reports that.
 */
public final class FreePorts {

    private FreePorts() {
    }

    /** Returns {@code count} distinct ports that were free on 127.0.0.1 a moment ago. */
    public static List<Integer> allocate(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(socket);
                ports.add(socket.getLocalPort());
            }
            return ports;
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }
}
