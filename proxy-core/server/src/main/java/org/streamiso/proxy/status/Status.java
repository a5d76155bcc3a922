package org.streamiso.proxy.status;

import java.util.List;

/**
 * What proxy-core is doing at one moment, as the status endpoint and the {@code status} command show it: clients
 * and their isolation keys, each key's streams with their circuits and exits; the same keys grouped by application
 * and isolation kind, each with its circuits and their exits; the circuits, bytes, refusals and the isolation audit.
 *
 * <p>Already scrubbed: destinations and keys are {@code [scrubbed]} unless proxy-core runs with
 * {@code --unsafe-logging}; passwords never appear.
 *
 * @param takenAt       when, ISO-8601 UTC
 * @param unsafeLogging whether destinations and keys are shown in clear
 * @param totals        counters since start
 * @param torSocksPorts the configured Tor SocksPorts
 * @param audit         the ControlPort and the isolation audit
 * @param clients       open client streams and refusals, by client address, then by key
 * @param circuits      the circuits that carry (or carried) streams of ours and are not closed
 * @param apps          the keys of {@code clients} by application, then isolation kind (both sorted by name), each
 *                      with the circuits of its open streams
 */
public record Status(String takenAt, boolean unsafeLogging, Totals totals, List<SocksPort> torSocksPorts, Audit audit,
        List<Client> clients, List<Circuit> circuits, List<App> apps) {

    public Status {
        torSocksPorts = List.copyOf(torSocksPorts);
        clients = List.copyOf(clients);
        circuits = List.copyOf(circuits);
        apps = List.copyOf(apps);
    }

    /**
     * Counters since start; refusals are split by who refused.
     *
     * @param evictedInHandshake  clients closed in their SOCKS handshake to admit a new one at {@code --max-streams}
     * @param refusedAtMaxStreams clients closed at accept at {@code --max-streams}, every stream being past its
     *                            handshake (also in {@code refusedByProxy})
     */
    public record Totals(long accepted, long open, long relayed, long resolved, long refusedByTor, long refusedByProxy,
            long malformed, long timedOut, long upstreamFailures, long bytesFromClients, long bytesToClients,
            long evictedInHandshake, long refusedAtMaxStreams) {
    }

    /** A Tor SocksPort: {@code up} until its last connection failed. */
    public record SocksPort(String address, boolean up) {
    }

    /**
     * The ControlPort and the audit.
     *
     * @param on                 whether proxy-core follows a ControlPort ({@code --tor-control})
     * @param connected          whether it is connected now (streams are audited only then)
     * @param bootstrap          Tor's bootstrap percentage, -1 while unknown
     * @param violations         times a circuit carried streams of two isolation keys, since start
     * @param violatedCircuits   the circuit ids of those violations
     */
    public record Audit(boolean on, boolean connected, int bootstrap, long violations, List<String> violatedCircuits) {
        public Audit {
            violatedCircuits = List.copyOf(violatedCircuits);
        }
    }

    /** One client address (scrubbed unless loopback) and its keys. */
    public record Client(String address, List<Key> keys) {
        public Client {
            keys = List.copyOf(keys);
        }
    }

    /**
     * One client key, its streams and its refusals. A key shows while it has open streams or was ever refused.
     *
     * @param key            the client's key ({@code org.streamiso.proxy.relay.ClientKey}: the isolation-string
     *                       password of a {@code <torS0X>0} client, the SOCKS username of any other),
     *                       {@code [scrubbed]}, or null when the client sent none
     * @param ref            the key's handle in this run ({@link StatusCollector#ref}): 16 hex characters that name
     *                       the key in {@code POST /renew?ref=REF} without showing it; another run gives it another
     * @param app            the application it belongs to: the isolation string's, {@code legacy} for a username,
     *                       {@code no-key}, or {@code unknown}; in clear
     * @param kind           its isolation kind: the isolation string's, {@code socks-auth} for a username,
     *                       {@code none}, {@code opaque} or {@code unsupported-format}; in clear
     * @param epoch          the key's identity epoch now: renewals so far
     * @param streams        its open streams
     * @param refusedByTor   its requests Tor answered with a failure reply, since start
     * @param refusedByProxy its requests proxy-core refused itself (Tor not ready, no SocksPort, wrong password,
     *                       another proposal-351 format)
     */
    public record Key(String key, String ref, String app, String kind, long epoch, List<StreamEntry> streams,
            long refusedByTor, long refusedByProxy) {
        public Key {
            streams = List.copyOf(streams);
        }
    }

    /**
     * One open stream.
     *
     * @param id              unique in this run
     * @param listener        the listening port, {@code IP:PORT}
     * @param isolation       the port's policy
     * @param command         {@code CONNECT}, {@code RESOLVE}, {@code RESOLVE_PTR}, or null before the request
     * @param destination     {@code host:port}, {@code [scrubbed]}, or null before the request
     * @param state           {@code handshake}, {@code connecting}, {@code waiting-for-tor}, {@code relaying},
     *                        {@code closing}
     * @param ageMillis       since the client was accepted
     * @param epoch           the key's epoch when this stream's credentials were made
     * @param bytesFromClient bytes read from the client
     * @param bytesToClient   bytes from Tor written towards the client
     * @param torSocksPort    the SocksPort it goes through, or null
     * @param circuit         Tor's CircuitID, or null while unknown (no ControlPort, or not attached yet)
     * @param exit            the circuit's exit relay, {@code $FINGERPRINT~nickname}, or null while unknown
     */
    public record StreamEntry(long id, String listener, String isolation, String command, String destination,
            String state, long ageMillis, long epoch, long bytesFromClient, long bytesToClient, String torSocksPort,
            String circuit, String exit) {
    }

    /**
     * One circuit that carries streams of ours.
     *
     * @param id            Tor's CircuitID
     * @param exit          its exit relay, or null while unknown
     * @param streams       streams of ours it carried
     * @param isolationKeys distinct isolation keys among them; more than one is a violation
     */
    public record Circuit(String id, String exit, int streams, int isolationKeys) {
        public boolean violated() {
            return isolationKeys > 1;
        }
    }

    /** One application and its isolation kinds. */
    public record App(String app, List<Kind> kinds) {
        public App {
            kinds = List.copyOf(kinds);
        }
    }

    /** One isolation kind of an application and its keys, in the order of {@code clients}. */
    public record Kind(String kind, List<AppKey> keys) {
        public Kind {
            keys = List.copyOf(keys);
        }
    }

    /**
     * One key of an application and kind, with the circuits its open streams are on.
     *
     * @param key             as in {@link Key}: {@code [scrubbed]} unless unsafe logging, null for no credentials
     * @param ref             as in {@link Key}
     * @param client         the client address, as in {@link Client}
     * @param epoch          the key's identity epoch now
     * @param openStreams    its open streams, on a known circuit or not
     * @param bytesFromClient bytes read from the client on its open streams
     * @param bytesToClient   bytes from Tor written towards the client on its open streams
     * @param refusedByTor   as in {@link Key}
     * @param refusedByProxy as in {@link Key}
     * @param circuits       the circuits of its open streams, in the order first seen; streams whose circuit is
     *                       not known (yet) are counted in {@code openStreams} only
     */
    public record AppKey(String key, String ref, String client, long epoch, int openStreams, long bytesFromClient,
            long bytesToClient, long refusedByTor,
            long refusedByProxy, List<KeyCircuit> circuits) {
        public AppKey {
            circuits = List.copyOf(circuits);
        }
    }

    /**
     * One circuit of a key.
     *
     * @param id      Tor's CircuitID
     * @param exit    its exit relay, or null while unknown
     * @param streams the key's open streams on it
     * @param bytesFromClient bytes read from the client on those streams
     * @param bytesToClient   bytes from Tor written towards the client on those streams
     */
    public record KeyCircuit(String id, String exit, int streams, long bytesFromClient, long bytesToClient) {
    }
}
