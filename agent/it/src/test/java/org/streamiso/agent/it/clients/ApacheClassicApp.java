package org.streamiso.agent.it.clients;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * Apache HttpClient 5, classic (blocking) API, with its default connection manager and system DNS resolver: GET of
 * the URL given, printing {@code OK STATUS BODY}.
 */
public final class ApacheClassicApp {
    private ApacheClassicApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> {
            try (CloseableHttpClient client = HttpClients.createDefault()) {
                return client.execute(new HttpGet(args[0]),
                        response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()).trim());
            }
        });
    }
}
