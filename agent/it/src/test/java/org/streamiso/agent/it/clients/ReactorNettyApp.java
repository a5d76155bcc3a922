package org.streamiso.agent.it.clients;

import java.time.Duration;
import reactor.netty.http.client.HttpClient;

/**
 * reactor-netty's {@code HttpClient.create()} as it comes: its default resolver is Netty's own DNS client, which
 * reads the nameservers from /etc/resolv.conf and sends them UDP queries. GET of the URL given, printing
 * {@code OK STATUS BODY}.
 */
public final class ReactorNettyApp {
    private ReactorNettyApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> HttpClient.create()
                .responseTimeout(Duration.ofSeconds(60))
                .get()
                .uri(args[0])
                .responseSingle((response, body) -> body.asString().map(s -> response.status().code() + " " + s.trim()))
                .block(Duration.ofSeconds(90)));
    }
}
