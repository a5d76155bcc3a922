package org.streamiso.proxy.status;

import org.streamiso.proxy.internal.JsonWriter;

/**
 * The JSON form of a {@link Status}, as {@code GET /status} serves it: one object whose member names are the
 * record components' names; absent values are {@code null}.
 *
 * <pre>{@code
 * {"takenAt":"2026-11-25T06:21:35.047Z","unsafeLogging":false,
 *  "totals":{"accepted":3,"open":1,"relayed":2,...,"bytesToClients":10,"evictedInHandshake":0,
 *      "refusedAtMaxStreams":0},
 *  "torSocksPorts":[{"address":"127.0.0.1:9050","up":true}],
 *  "audit":{"on":true,"connected":true,"bootstrap":100,"violations":0,"violatedCircuits":[]},
 *  "clients":[{"address":"127.0.0.1","keys":[{"key":"[scrubbed]","ref":"9f86d081884c7d65","app":"shop",
 *      "kind":"thread","epoch":0,
 *      "refusedByTor":0,"refusedByProxy":0,"streams":[{"id":1,...,
 *      "destination":"[scrubbed]","state":"relaying",...,"circuit":"18","exit":"$5A0C...~exit1"}]}]}],
 *  "circuits":[{"id":"18","exit":"$5A0C...~exit1","streams":1,"isolationKeys":1,"violated":false}],
 *  "apps":[{"app":"shop","kinds":[{"kind":"thread","keys":[{"key":"[scrubbed]","ref":"9f86d081884c7d65",
 *      "client":"127.0.0.1","epoch":0,"openStreams":1,"bytesFromClient":52,"bytesToClient":10,"refusedByTor":0,
 *      "refusedByProxy":0,"circuits":[{"id":"18","exit":"$5A0C...~exit1","streams":1,"bytesFromClient":52,
 *      "bytesToClient":10}]}]}]}]}
 * }</pre>
 */
public final class StatusJson {
    private StatusJson() {
    }

    public static String write(Status status) {
        JsonWriter json = new JsonWriter().beginObject();
        json.name("takenAt").value(status.takenAt());
        json.name("unsafeLogging").value(status.unsafeLogging());
        Status.Totals t = status.totals();
        json.name("totals").beginObject()
                .name("accepted").value(t.accepted())
                .name("open").value(t.open())
                .name("relayed").value(t.relayed())
                .name("resolved").value(t.resolved())
                .name("refusedByTor").value(t.refusedByTor())
                .name("refusedByProxy").value(t.refusedByProxy())
                .name("malformed").value(t.malformed())
                .name("timedOut").value(t.timedOut())
                .name("upstreamFailures").value(t.upstreamFailures())
                .name("bytesFromClients").value(t.bytesFromClients())
                .name("bytesToClients").value(t.bytesToClients())
                .name("evictedInHandshake").value(t.evictedInHandshake())
                .name("refusedAtMaxStreams").value(t.refusedAtMaxStreams())
                .endObject();
        json.name("torSocksPorts").beginArray();
        for (Status.SocksPort port : status.torSocksPorts()) {
            json.beginObject().name("address").value(port.address()).name("up").value(port.up()).endObject();
        }
        json.endArray();
        Status.Audit a = status.audit();
        json.name("audit").beginObject()
                .name("on").value(a.on())
                .name("connected").value(a.connected())
                .name("bootstrap").value(a.bootstrap())
                .name("violations").value(a.violations())
                .name("violatedCircuits").beginArray();
        for (String circuit : a.violatedCircuits()) {
            json.value(circuit);
        }
        json.endArray().endObject();
        json.name("clients").beginArray();
        for (Status.Client client : status.clients()) {
            json.beginObject().name("address").value(client.address()).name("keys").beginArray();
            for (Status.Key key : client.keys()) {
                json.beginObject().name("key").value(key.key()).name("ref").value(key.ref())
                        .name("app").value(key.app())
                        .name("kind").value(key.kind()).name("epoch").value(key.epoch())
                        .name("refusedByTor").value(key.refusedByTor())
                        .name("refusedByProxy").value(key.refusedByProxy())
                        .name("streams").beginArray();
                for (Status.StreamEntry s : key.streams()) {
                    json.beginObject()
                            .name("id").value(s.id())
                            .name("listener").value(s.listener())
                            .name("isolation").value(s.isolation())
                            .name("command").value(s.command())
                            .name("destination").value(s.destination())
                            .name("state").value(s.state())
                            .name("ageMillis").value(s.ageMillis())
                            .name("epoch").value(s.epoch())
                            .name("bytesFromClient").value(s.bytesFromClient())
                            .name("bytesToClient").value(s.bytesToClient())
                            .name("torSocksPort").value(s.torSocksPort())
                            .name("circuit").value(s.circuit())
                            .name("exit").value(s.exit())
                            .endObject();
                }
                json.endArray().endObject();
            }
            json.endArray().endObject();
        }
        json.endArray();
        json.name("circuits").beginArray();
        for (Status.Circuit c : status.circuits()) {
            json.beginObject().name("id").value(c.id()).name("exit").value(c.exit()).name("streams").value(c.streams())
                    .name("isolationKeys").value(c.isolationKeys()).name("violated").value(c.violated()).endObject();
        }
        json.endArray();
        json.name("apps").beginArray();
        for (Status.App app : status.apps()) {
            json.beginObject().name("app").value(app.app()).name("kinds").beginArray();
            for (Status.Kind kind : app.kinds()) {
                json.beginObject().name("kind").value(kind.kind()).name("keys").beginArray();
                for (Status.AppKey key : kind.keys()) {
                    json.beginObject()
                            .name("key").value(key.key())
                            .name("ref").value(key.ref())
                            .name("client").value(key.client())
                            .name("epoch").value(key.epoch())
                            .name("openStreams").value(key.openStreams())
                            .name("bytesFromClient").value(key.bytesFromClient())
                            .name("bytesToClient").value(key.bytesToClient())
                            .name("refusedByTor").value(key.refusedByTor())
                            .name("refusedByProxy").value(key.refusedByProxy())
                            .name("circuits").beginArray();
                    for (Status.KeyCircuit c : key.circuits()) {
                        json.beginObject().name("id").value(c.id()).name("exit").value(c.exit())
                                .name("streams").value(c.streams()).name("bytesFromClient").value(c.bytesFromClient())
                                .name("bytesToClient").value(c.bytesToClient()).endObject();
                    }
                    json.endArray().endObject();
                }
                json.endArray().endObject();
            }
            json.endArray().endObject();
        }
        json.endArray();
        return json.endObject().toString();
    }
}
