package org.streamiso.agent.it.clients;

import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;

/**
 * Apache HttpClient 5, async API: its I/O reactor connects non-blocking {@code SocketChannel}s. GET of the URL
 * given, printing {@code OK STATUS BODY}.
 */
public final class ApacheAsyncApp {
    private ApacheAsyncApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> {
            try (CloseableHttpAsyncClient client = HttpAsyncClients.createDefault()) {
                client.start();
                SimpleHttpResponse response = client.execute(SimpleRequestBuilder.get(args[0]).build(), null)
                        .get(60, TimeUnit.SECONDS);
                return response.getCode() + " " + response.getBodyText().trim();
            }
        });
    }
}
