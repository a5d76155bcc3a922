package org.streamiso.proxy.status;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.streamiso.socks.Socks5Address;
import org.streamiso.proxy.control.CircuitAudit;
import org.streamiso.proxy.control.TorMonitor;
import org.streamiso.proxy.internal.Safelog;
import org.streamiso.proxy.relay.ClientKey;
import org.streamiso.proxy.relay.IsolationCredentials;
import org.streamiso.proxy.relay.ProxyServer;
import org.streamiso.proxy.relay.RelaySnapshot;
import org.streamiso.proxy.relay.RelayStats;
import org.streamiso.proxy.relay.StreamStatus;

/**
 * Builds a {@link Status} from the relay (its streams, taken on the selector thread), the circuit audit and the
 * ControlPort monitor, and scrubs it: destinations and keys become {@code [scrubbed]} unless unsafe logging is on.
 * Apps and kinds are in the clear in the credential contract, so they are shown as they are.
 */
public final class StatusCollector {
    /** How long the selector thread may take to list its streams. */
    public static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(5);
    /** The bytes of HMAC in a {@link #ref}: 64 bits, 16 hex characters. */
    private static final int REF_BYTES = 8;

    private final ProxyServer server;
    private final IsolationCredentials credentials;
    private final TorMonitor monitor;
    private final Safelog safelog;
    /** The secret of {@link #ref}: drawn once per run, never shown. */
    private final byte[] refSecret = new byte[32];

    /**
     * @param monitor null when proxy-core follows no ControlPort: streams then show no circuit
     */
    public StatusCollector(ProxyServer server, IsolationCredentials credentials, TorMonitor monitor, Safelog safelog) {
        this.server = Objects.requireNonNull(server, "server");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.monitor = monitor;
        this.safelog = Objects.requireNonNull(safelog, "safelog");
        new SecureRandom().nextBytes(refSecret);
    }

    /**
     * The handle of a client key in this run: the first 16 hex characters of an HMAC-SHA256 of the key under a
     * secret drawn at start, so that the live page and {@code POST /renew?ref=REF} can name a key that the status
     * shows {@code [scrubbed]}. It tells nothing about the key beyond this run's grouping, which the status shows
     * anyway, and another run gives the same key another ref.
     *
     * @param key the key (null: the clients that send no credentials)
     */
    public String ref(String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(refSecret, "HmacSHA256"));
            // A marker byte keeps the no-key identity apart from every key.
            mac.update(key == null ? (byte) 0 : (byte) 1);
            if (key != null) {
                mac.update(key.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(mac.doFinal(), 0, REF_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /**
     * The key whose {@link #ref} is {@code ref} among the keys the status shows now (open streams or refusals).
     *
     * @return the key, whose {@code key()} is null for the clients that send no credentials; null when no key shown
     *         now has that ref
     * @throws IOException as {@link #collect()}
     */
    public ClientKey keyOfRef(String ref) throws IOException {
        RelaySnapshot snapshot = server.snapshot(SNAPSHOT_TIMEOUT);
        for (StreamStatus s : snapshot.streams()) {
            if (ref(s.clientKey().key()).equals(ref)) {
                return s.clientKey();
            }
        }
        for (RelayStats.KeyRefusals r : server.stats().refusalsByKey()) {
            if (ref(r.clientKey().key()).equals(ref)) {
                return r.clientKey();
            }
        }
        return null;
    }

    /**
     * The status now.
     *
     * @throws IOException when the relay has stopped or its selector thread did not answer in time
     */
    public Status collect() throws IOException {
        RelaySnapshot snapshot = server.snapshot(SNAPSHOT_TIMEOUT);
        long now = System.currentTimeMillis();
        CircuitAudit audit = monitor == null ? null : monitor.audit();
        Map<String, String> circuitBySource = audit == null ? Map.of() : audit.circuitsBySourceAddr();
        List<CircuitAudit.CircuitView> circuitViews = audit == null ? List.of() : audit.circuits();
        Map<String, String> exitByCircuit = new HashMap<>();
        List<Status.Circuit> circuits = new ArrayList<>(circuitViews.size());
        for (CircuitAudit.CircuitView view : circuitViews) {
            String exit = view.exit().isEmpty() ? null : view.exit();
            exitByCircuit.put(view.circuitId(), exit);
            circuits.add(new Status.Circuit(view.circuitId(), exit, view.streams(), view.isolationKeys().size()));
        }

        // Client address -> client key -> streams, in the order the streams were accepted.
        Map<InetAddress, Map<ClientKey, List<Status.StreamEntry>>> grouped = new LinkedHashMap<>();
        for (StreamStatus s : snapshot.streams()) {
            String circuit = s.sourceAddr() == null ? null
                    : circuitBySource.get(CircuitAudit.sourceAddrOf(s.sourceAddr()));
            Status.StreamEntry entry = new Status.StreamEntry(s.id(), hostPort(s.listener()),
                    s.isolation().optionName(), s.command(),
                    s.dstAddr() == null ? null : safelog.destination(s.dstAddr(), s.dstPort()), s.state(),
                    Math.max(0, now - s.openedAtMillis()), s.epoch(), s.bytesFromClient(), s.bytesToClient(),
                    s.torSocksPort() == null ? null : hostPort(s.torSocksPort()), circuit,
                    circuit == null ? null : exitByCircuit.get(circuit));
            grouped.computeIfAbsent(s.clientAddress(), a -> new LinkedHashMap<>())
                    .computeIfAbsent(s.clientKey(), k -> new ArrayList<>()).add(entry);
        }
        // Keys refused since start show too, after those with open streams, even when none of their streams is open.
        RelayStats stats = server.stats();
        Map<InetAddress, Map<ClientKey, RelayStats.KeyRefusals>> refusals = new HashMap<>();
        for (RelayStats.KeyRefusals r : stats.refusalsByKey()) {
            refusals.computeIfAbsent(r.clientAddress(), a -> new HashMap<>()).put(r.clientKey(), r);
            grouped.computeIfAbsent(r.clientAddress(), a -> new LinkedHashMap<>())
                    .computeIfAbsent(r.clientKey(), k -> new ArrayList<>());
        }
        List<Status.Client> clients = new ArrayList<>(grouped.size());
        // App -> kind -> keys, sorted by app and kind; keys in the order of the clients list.
        Map<String, Map<String, List<Status.AppKey>>> apps = new TreeMap<>();
        for (Map.Entry<InetAddress, Map<ClientKey, List<Status.StreamEntry>>> client : grouped.entrySet()) {
            List<Status.Key> keys = new ArrayList<>(client.getValue().size());
            Map<ClientKey, RelayStats.KeyRefusals> clientRefusals = refusals.getOrDefault(client.getKey(), Map.of());
            String clientAddress = safelog.clientAddress(client.getKey());
            for (Map.Entry<ClientKey, List<Status.StreamEntry>> key : client.getValue().entrySet()) {
                ClientKey clientKey = key.getKey();
                RelayStats.KeyRefusals r = clientRefusals.get(clientKey);
                String shownKey = clientKey.key() == null ? null : safelog.key(clientKey.key());
                String ref = ref(clientKey.key());
                long fromClient = 0;
                long toClient = 0;
                for (Status.StreamEntry stream : key.getValue()) {
                    fromClient += stream.bytesFromClient();
                    toClient += stream.bytesToClient();
                }
                long epoch = credentials.epoch(clientKey.key());
                long refusedByTor = r == null ? 0 : r.refusedByTor();
                long refusedByProxy = r == null ? 0 : r.refusedByProxy();
                keys.add(new Status.Key(shownKey, ref, clientKey.app(), clientKey.kind(), epoch, key.getValue(),
                        refusedByTor, refusedByProxy));
                apps.computeIfAbsent(clientKey.app(), a -> new TreeMap<>())
                        .computeIfAbsent(clientKey.kind(), k -> new ArrayList<>())
                        .add(new Status.AppKey(shownKey, ref, clientAddress, epoch, key.getValue().size(), fromClient,
                                toClient, refusedByTor, refusedByProxy, circuitsOf(key.getValue())));
            }
            clients.add(new Status.Client(clientAddress, keys));
        }
        List<Status.App> appList = new ArrayList<>(apps.size());
        for (Map.Entry<String, Map<String, List<Status.AppKey>>> app : apps.entrySet()) {
            List<Status.Kind> kinds = new ArrayList<>(app.getValue().size());
            for (Map.Entry<String, List<Status.AppKey>> kind : app.getValue().entrySet()) {
                kinds.add(new Status.Kind(kind.getKey(), kind.getValue()));
            }
            appList.add(new Status.App(app.getKey(), kinds));
        }

        List<Status.SocksPort> socksPorts = new ArrayList<>();
        for (RelaySnapshot.SocksPortStatus port : snapshot.socksPorts()) {
            socksPorts.add(new Status.SocksPort(hostPort(port.address()), !port.down()));
        }
        Status.Audit auditStatus;
        if (monitor == null) {
            auditStatus = new Status.Audit(false, false, -1, 0, List.of());
        } else {
            List<String> violated = new ArrayList<>();
            for (CircuitAudit.Violation violation : audit.violations()) {
                violated.add(violation.circuitId());
            }
            auditStatus = new Status.Audit(true, monitor.isConnected(), monitor.bootstrapProgress(),
                    audit.violationCount(), violated);
        }
        Status.Totals totals = new Status.Totals(stats.accepted(), stats.open(), stats.relayed(), stats.resolved(),
                stats.refusedByTor(), stats.refusedByProxy(), stats.malformed(), stats.timedOut(),
                stats.upstreamFailures(), stats.bytesFromClients(), stats.bytesToClients(), stats.evictedInHandshake(),
                stats.refusedAtMaxStreams());
        return new Status(Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.MILLIS).toString(), safelog.isUnsafe(),
                totals, socksPorts, auditStatus, clients, circuits, appList);
    }

    /** The circuits of a key's open streams, in the order first seen, with the key's streams and bytes on each. */
    private static List<Status.KeyCircuit> circuitsOf(List<Status.StreamEntry> streams) {
        // Circuit id -> {streams, bytes from the client, bytes to the client}.
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, String> exits = new HashMap<>();
        for (Status.StreamEntry stream : streams) {
            if (stream.circuit() != null) {
                long[] c = counts.computeIfAbsent(stream.circuit(), id -> new long[3]);
                c[0]++;
                c[1] += stream.bytesFromClient();
                c[2] += stream.bytesToClient();
                if (stream.exit() != null) {
                    exits.put(stream.circuit(), stream.exit());
                }
            }
        }
        List<Status.KeyCircuit> out = new ArrayList<>(counts.size());
        for (Map.Entry<String, long[]> c : counts.entrySet()) {
            long[] n = c.getValue();
            out.add(new Status.KeyCircuit(c.getKey(), exits.get(c.getKey()), (int) n[0], n[1], n[2]));
        }
        return out;
    }

    static String hostPort(InetSocketAddress address) {
        return Socks5Address.format(address);
    }
}
