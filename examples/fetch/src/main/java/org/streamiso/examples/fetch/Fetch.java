package org.streamiso.examples.fetch;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Fetches each URL twice, with HttpClient and with URL.openStream, and prints the first line of each body. */
public final class Fetch {
    private Fetch() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: java -jar fetch.jar URL [URL ...]");
            System.exit(2);
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        for (String arg : args) {
            URI uri = URI.create(arg);
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println("HttpClient     " + response.statusCode() + " " + firstLine(response.body()));
            try (InputStream in = uri.toURL().openStream()) {
                System.out.println("URL.openStream " + firstLine(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
        }
    }

    private static String firstLine(String body) {
        int eol = body.indexOf('\n');
        return eol >= 0 ? body.substring(0, eol) : body;
    }
}
