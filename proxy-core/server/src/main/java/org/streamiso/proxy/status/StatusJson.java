package org.streamiso.proxy.status;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import org.streamiso.proxy.internal.Json;

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
        return Json.write(json -> write(status, json));
    }

    private static void write(Status status, JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("takenAt", status.takenAt());
        json.writeBooleanField("unsafeLogging", status.unsafeLogging());
        Status.Totals t = status.totals();
        json.writeObjectFieldStart("totals");
        json.writeNumberField("accepted", t.accepted());
        json.writeNumberField("open", t.open());
        json.writeNumberField("relayed", t.relayed());
        json.writeNumberField("resolved", t.resolved());
        json.writeNumberField("refusedByTor", t.refusedByTor());
        json.writeNumberField("refusedByProxy", t.refusedByProxy());
        json.writeNumberField("malformed", t.malformed());
        json.writeNumberField("timedOut", t.timedOut());
        json.writeNumberField("upstreamFailures", t.upstreamFailures());
        json.writeNumberField("bytesFromClients", t.bytesFromClients());
        json.writeNumberField("bytesToClients", t.bytesToClients());
        json.writeNumberField("evictedInHandshake", t.evictedInHandshake());
        json.writeNumberField("refusedAtMaxStreams", t.refusedAtMaxStreams());
        json.writeEndObject();
        json.writeArrayFieldStart("torSocksPorts");
        for (Status.SocksPort port : status.torSocksPorts()) {
            json.writeStartObject();
            json.writeStringField("address", port.address());
            json.writeBooleanField("up", port.up());
            json.writeEndObject();
        }
        json.writeEndArray();
        Status.Audit a = status.audit();
        json.writeObjectFieldStart("audit");
        json.writeBooleanField("on", a.on());
        json.writeBooleanField("connected", a.connected());
        json.writeNumberField("bootstrap", a.bootstrap());
        json.writeNumberField("violations", a.violations());
        json.writeArrayFieldStart("violatedCircuits");
        for (String circuit : a.violatedCircuits()) {
            json.writeString(circuit);
        }
        json.writeEndArray();
        json.writeEndObject();
        json.writeArrayFieldStart("clients");
        for (Status.Client client : status.clients()) {
            json.writeStartObject();
            json.writeStringField("address", client.address());
            json.writeArrayFieldStart("keys");
            for (Status.Key key : client.keys()) {
                json.writeStartObject();
                json.writeStringField("key", key.key());
                json.writeStringField("ref", key.ref());
                json.writeStringField("app", key.app());
                json.writeStringField("kind", key.kind());
                json.writeNumberField("epoch", key.epoch());
                json.writeNumberField("refusedByTor", key.refusedByTor());
                json.writeNumberField("refusedByProxy", key.refusedByProxy());
                json.writeArrayFieldStart("streams");
                for (Status.StreamEntry s : key.streams()) {
                    json.writeStartObject();
                    json.writeNumberField("id", s.id());
                    json.writeStringField("listener", s.listener());
                    json.writeStringField("isolation", s.isolation());
                    json.writeStringField("command", s.command());
                    json.writeStringField("destination", s.destination());
                    json.writeStringField("state", s.state());
                    json.writeNumberField("ageMillis", s.ageMillis());
                    json.writeNumberField("epoch", s.epoch());
                    json.writeNumberField("bytesFromClient", s.bytesFromClient());
                    json.writeNumberField("bytesToClient", s.bytesToClient());
                    json.writeStringField("torSocksPort", s.torSocksPort());
                    json.writeStringField("circuit", s.circuit());
                    json.writeStringField("exit", s.exit());
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("circuits");
        for (Status.Circuit c : status.circuits()) {
            json.writeStartObject();
            json.writeStringField("id", c.id());
            json.writeStringField("exit", c.exit());
            json.writeNumberField("streams", c.streams());
            json.writeNumberField("isolationKeys", c.isolationKeys());
            json.writeBooleanField("violated", c.violated());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("apps");
        for (Status.App app : status.apps()) {
            json.writeStartObject();
            json.writeStringField("app", app.app());
            json.writeArrayFieldStart("kinds");
            for (Status.Kind kind : app.kinds()) {
                json.writeStartObject();
                json.writeStringField("kind", kind.kind());
                json.writeArrayFieldStart("keys");
                for (Status.AppKey key : kind.keys()) {
                    json.writeStartObject();
                    json.writeStringField("key", key.key());
                    json.writeStringField("ref", key.ref());
                    json.writeStringField("client", key.client());
                    json.writeNumberField("epoch", key.epoch());
                    json.writeNumberField("openStreams", key.openStreams());
                    json.writeNumberField("bytesFromClient", key.bytesFromClient());
                    json.writeNumberField("bytesToClient", key.bytesToClient());
                    json.writeNumberField("refusedByTor", key.refusedByTor());
                    json.writeNumberField("refusedByProxy", key.refusedByProxy());
                    json.writeArrayFieldStart("circuits");
                    for (Status.KeyCircuit c : key.circuits()) {
                        json.writeStartObject();
                        json.writeStringField("id", c.id());
                        json.writeStringField("exit", c.exit());
                        json.writeNumberField("streams", c.streams());
                        json.writeNumberField("bytesFromClient", c.bytesFromClient());
                        json.writeNumberField("bytesToClient", c.bytesToClient());
                        json.writeEndObject();
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }
}
