package org.streamiso.proxy.status;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The live isolation page that {@code GET /} serves: one HTML document with its style and script inline
 * ({@code live-page.html}, {@code .css} and {@code .js} beside this class), no external asset, so it works offline.
 * Its script polls {@code GET /status} and sends the buttons' POSTs with the run's token, which the page carries in
 * a {@code <meta name="streamiso-token">}.
 *
 * <p><b>Important:</b> the page's {@code Content-Security-Policy} allows exactly its own inline style and script,
 * by their SHA-256 hashes, fetches to its own origin, and nothing else: no other script, style, image (but the
 * empty {@code data:} icon), form target, base URI or framing.
 */
final class LivePage {
    private static final String TOKEN = "{{token}}";

    private final String before;
    private final String after;
    private final String contentSecurityPolicy;

    private LivePage(String before, String after, String contentSecurityPolicy) {
        this.before = before;
        this.after = after;
        this.contentSecurityPolicy = contentSecurityPolicy;
    }

    /** Reads the page from the class path. */
    static LivePage load() {
        String html = resource("live-page.html");
        String style = resource("live-page.css");
        String script = resource("live-page.js");
        if (script.contains("</") || style.contains("</")) {
            throw new IllegalStateException("live-page.js or live-page.css contains \"</\", which would end its"
                    + " inline element early");
        }
        String page = html.replace("{{style}}", style).replace("{{script}}", script);
        int token = page.indexOf(TOKEN);
        if (token < 0 || page.indexOf(TOKEN, token + 1) >= 0) {
            throw new IllegalStateException("live-page.html must hold " + TOKEN + " exactly once");
        }
        String policy = "default-src 'none'; script-src '" + sha256(script) + "'; style-src '" + sha256(style)
                + "'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none';"
                + " frame-ancestors 'none'";
        return new LivePage(page.substring(0, token), page.substring(token + TOKEN.length()), policy);
    }

    /** The page with {@code token} in it (base64url, so nothing to escape). */
    String html(String token) {
        return before + token + after;
    }

    /** The policy to send with {@link #html}. */
    String contentSecurityPolicy() {
        return contentSecurityPolicy;
    }

    private static String sha256(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = LivePage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from proxy-core's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
