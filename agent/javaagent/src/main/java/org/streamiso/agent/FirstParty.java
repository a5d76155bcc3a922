package org.streamiso.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.apache.hc.client5.http.psl.PublicSuffixListParser;
import org.apache.hc.client5.http.psl.PublicSuffixMatcher;

/**
 * The first party of a host name for {@code isolate=first-party}: its registrable domain (eTLD+1) by the Public
 * Suffix List, ICANN and private rules alike, as Tor Browser's first-party isolation takes it. {@code alice.github.io}
 * and {@code bob.github.io} are two parties, {@code a.example.co.uk} and {@code b.example.co.uk} one. A name that is
 * itself a public suffix has no registrable domain: null, and the caller takes the name as its own party.
 *
 * <p>The list is httpclient5's bundled copy, shaded and relocated with the agent (the classes and the data file), and
 * parsed on the first call only: never in premain, never when the mode is off.
 */
final class FirstParty implements UnaryOperator<String> {
    /** Where the shaded agent jar carries the list; the second path is where unshaded builds (unit tests) find it. */
    private static final String[] LIST = {"/org/streamiso/internal/shaded/publicsuffix/list/effective_tld_names.dat",
        "/org/publicsuffix/list/effective_tld_names.dat"};

    @Override
    public String apply(String host) {
        return Holder.MATCHER.getDomainRoot(host.toLowerCase(Locale.ROOT), null); // null: ICANN and private rules
    }

    /** Loads the list on first use (the JVM's lazy class initialisation). */
    private static final class Holder {
        static final PublicSuffixMatcher MATCHER = load();

        private static PublicSuffixMatcher load() {
            for (String path : LIST) {
                InputStream in = FirstParty.class.getResourceAsStream(path);
                if (in != null) {
                    try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                        return new PublicSuffixMatcher(new PublicSuffixListParser().parseByType(r));
                    } catch (IOException e) {
                        throw new IllegalStateException("streamiso cannot read its Public Suffix List (" + e
                                + "); isolate=first-party cannot decide a first party, so nothing is connected", e);
                    }
                }
            }
            throw new IllegalStateException("streamiso's jar lacks its Public Suffix List; isolate=first-party cannot "
                    + "decide a first party, so nothing is connected. Rebuild the agent jar.");
        }
    }
}
