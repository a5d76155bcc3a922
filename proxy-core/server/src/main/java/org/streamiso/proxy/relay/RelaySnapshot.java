package org.streamiso.proxy.relay;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The relay's streams and Tor SocksPorts at one moment, taken on the selector thread.
 *
 * @param streams    every open client stream, oldest first
 * @param socksPorts every configured Tor SocksPort, in configured order
 */
public record RelaySnapshot(List<StreamStatus> streams, List<SocksPortStatus> socksPorts) {

    /**
     * One Tor SocksPort.
     *
     * @param address the SocksPort
     * @param down    whether its last connection failed (it is then tried last)
     */
    public record SocksPortStatus(InetSocketAddress address, boolean down) {
    }

    public RelaySnapshot {
        streams = List.copyOf(streams);
        socksPorts = List.copyOf(socksPorts);
    }
}
