package org.streamiso.agent.it.clients;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;

/**
 * Jetty 12's {@code HttpClient}: its own asynchronous name resolution (on its executor, through
 * {@code InetAddress}) and non-blocking {@code SocketChannel}s. GET of the URL given, printing {@code OK STATUS BODY}.
 */
public final class JettyApp {
    private JettyApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> {
            HttpClient client = new HttpClient();
            client.start();
            try {
                ContentResponse response = client.newRequest(args[0]).timeout(60, TimeUnit.SECONDS).send();
                return response.getStatus() + " " + response.getContentAsString().trim();
            } finally {
                client.stop();
            }
        });
    }
}
