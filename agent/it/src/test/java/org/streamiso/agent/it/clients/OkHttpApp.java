package org.streamiso.agent.it.clients;

import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * OkHttp (its default {@code Dns.SYSTEM}, connection pool and dispatcher): GET of the URL given, printing
 * {@code OK STATUS BODY}.
 */
public final class OkHttpApp {
    private OkHttpApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> {
            OkHttpClient client = new OkHttpClient.Builder().callTimeout(60, TimeUnit.SECONDS).build();
            try (Response response = client.newCall(new Request.Builder().url(args[0]).build()).execute()) {
                return response.code() + " " + response.body().string().trim();
            } finally {
                client.dispatcher().executorService().shutdown();
                client.connectionPool().evictAll();
            }
        });
    }
}
