package org.streamiso.examples.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.streamiso.examples.demo.TorEvents.TorStream;
import org.streamiso.socks.IsolationString;

/**
 * The demo's table (app / identity → key → circuit → exit) and its checks, from the streams Tor reported and what
 * the applications printed. A check that fails is listed; the closing line names only what was checked.
 */
final class Report {

    /** Which identity of which application a stream belongs to, and where that application pointed its agent. */
    record Identity(String app, String name, String socksPort) {
    }

    /** One poll that two-identities reported: the account, whether after renew, its local address, its circuit. */
    record Poll(String account, boolean renewed, String local, String circuit) {
        String identity() {
            return renewed ? account + ", renewed" : account;
        }
    }

    private final List<String> failures = new ArrayList<>();
    private final List<String> table = new ArrayList<>();
    private final Map<Identity, Set<String>> keysByIdentity = new LinkedHashMap<>();
    private final Map<String, Set<String>> keysByCircuit = new LinkedHashMap<>();
    private final Map<String, Set<String>> circuitsByIdentityName = new LinkedHashMap<>();

    void fail(String what) {
        failures.add(what);
    }

    List<String> failures() {
        return failures;
    }

    List<String> table() {
        return table;
    }

    /**
     * Groups the streams by identity, key and circuit, builds the table and checks that every stream carried its
     * application's name in its credentials, that no circuit carried two keys, that each identity had one key and
     * no two identities shared one.
     *
     * @param identityOf the identity of a stream, or null for a stream that is none of the demo's
     */
    void streams(List<TorStream> streams, Function<TorStream, Identity> identityOf, Function<String, String> exitOf,
            List<Identity> order) {
        Map<Identity, Map<String, Map<String, Integer>>> rows = new LinkedHashMap<>();
        for (Identity identity : order) {
            rows.put(identity, new LinkedHashMap<>());
        }
        for (TorStream s : streams) {
            Identity identity = identityOf.apply(s);
            if (identity == null) {
                continue;
            }
            String key = s.password == null ? "(no credentials)" : s.password;
            IsolationString parsed = s.password == null ? null : IsolationString.parse(s.password);
            if (parsed == null || !parsed.app().equals(identity.app())) {
                fail("Tor stream " + s.id + " of " + identity.app() + " carried "
                        + (parsed == null ? "no isolation string" : "app " + parsed.app()) + " in its SOCKS password");
            }
            rows.computeIfAbsent(identity, i -> new LinkedHashMap<>()).computeIfAbsent(key, k -> new LinkedHashMap<>())
                    .merge(s.circuit, 1, Integer::sum);
            keysByIdentity.computeIfAbsent(identity, i -> new LinkedHashSet<>()).add(key);
            keysByCircuit.computeIfAbsent(s.circuit, c -> new LinkedHashSet<>()).add(key);
            circuitsByIdentityName.computeIfAbsent(identity.name(), n -> new LinkedHashSet<>()).add(s.circuit);
        }
        Map<String, Integer> keyNumbers = new LinkedHashMap<>();
        table.add(String.format("%-15s %-19s %-27s %-24s %7s %8s  %s", "app", "identity", "SocksPort",
                "key (kind)", "streams", "circuit", "exit relay"));
        for (Map.Entry<Identity, Map<String, Map<String, Integer>>> row : rows.entrySet()) {
            Identity identity = row.getKey();
            if (row.getValue().isEmpty()) {
                fail("Tor reported no stream of " + identity.app() + " " + identity.name());
            }
            for (Map.Entry<String, Map<String, Integer>> key : row.getValue().entrySet()) {
                int number = keyNumbers.computeIfAbsent(key.getKey(), k -> keyNumbers.size() + 1);
                IsolationString parsed = IsolationString.parse(key.getKey());
                String label = "key " + number + " (" + (parsed == null ? "none" : parsed.kind()) + ")";
                for (Map.Entry<String, Integer> circuit : key.getValue().entrySet()) {
                    table.add(String.format("%-15s %-19s %-27s %-24s %7d %8s  %s", identity.app(), identity.name(),
                            identity.socksPort(), label, circuit.getValue(), circuit.getKey(),
                            exitOf.apply(circuit.getKey())));
                }
            }
        }
        for (Map.Entry<String, Set<String>> e : keysByCircuit.entrySet()) {
            if (e.getValue().size() > 1) {
                List<String> numbers = new ArrayList<>();
                e.getValue().forEach(k -> numbers.add("key " + keyNumbers.get(k)));
                fail("circuit " + e.getKey() + " carried streams of " + e.getValue().size() + " keys ("
                        + String.join(", ", numbers) + ")");
            }
        }
        List<Identity> identities = new ArrayList<>(keysByIdentity.keySet());
        for (int i = 0; i < identities.size(); i++) {
            Set<String> keys = keysByIdentity.get(identities.get(i));
            if (keys.size() != 1) {
                fail(identities.get(i).app() + " " + identities.get(i).name() + " had " + keys.size()
                        + " keys (expected: one)");
            }
            for (int j = i + 1; j < identities.size(); j++) {
                Set<String> common = new LinkedHashSet<>(keys);
                common.retainAll(keysByIdentity.get(identities.get(j)));
                if (!common.isEmpty()) {
                    fail(identities.get(i).name() + " and " + identities.get(j).name() + " shared a key");
                }
            }
        }
    }

    /** Distinct keys and circuits among the demo's streams. */
    int keyCount() {
        Set<String> keys = new LinkedHashSet<>();
        keysByIdentity.values().forEach(keys::addAll);
        return keys.size();
    }

    int circuitCount() {
        return keysByCircuit.size();
    }

    /** The circuits of the identity named {@code name} ("alice", "alice, renewed", "bob"); empty when none. */
    Set<String> circuitsOf(String name) {
        return circuitsByIdentityName.getOrDefault(name, Set.of());
    }
}
