package org.streamiso.socks;

/**
 * The credential contract between streamiso's agent, proxy-core and Tor, version 1: the SOCKS5 username is exactly
 * {@value #USERNAME} (Tor proposal 351, format 0) and the password is the isolation string
 * {@code si1:<app>:<kind>:<digest>}.
 *
 * <ul>
 * <li>{@code <torS0X>0} is the one extended username that tor 0.4.8 and older (which compare the bytes), tor
 * 0.4.9+ (which rejects every other username that starts with {@value #EXTENDED_PREFIX}) and Arti all accept; Tor
 * isolates on the exact bytes of the password (IsolateSOCKSAuth, on by default).</li>
 * <li>{@code app}: the application's name, 1-{@value #MAX_APP} characters of {@code [A-Za-z0-9._-]}; {@code kind}:
 * the isolation modes that made the key, {@code +}-joined names of {@code [a-z-]} ({@code app}, {@code thread},
 * {@code dest-host}, {@code dest-port}, {@code first-party}, {@code connection}, {@code scope}); these two are in
 * the clear so that proxy-core can group streams.</li>
 * <li>{@code digest}: {@value #DIGEST_CHARS} lowercase hex characters, a keyed digest (under a per-JVM random
 * secret) of everything else that makes the key (thread, destination, first party, scope name, identity epoch), so
 * that no destination or scope name reaches Tor's logs or its ControlPort.</li>
 * </ul>
 * The password is printable ASCII and at most {@code 4 + 64 + 1 + 64 + 1 + 32 = 166} bytes, within RFC 1929's 255,
 * and never empty (Tor takes an empty password as no credentials).
 *
 * @see <a href="https://spec.torproject.org/proposals/351-socks-auth-extensions.html">Tor proposal 351</a>
 */
public record IsolationString(String app, String kind, String digest) {
    /** The 8 bytes that start every proposal-351 username. */
    public static final String EXTENDED_PREFIX = "<torS0X>";
    /** Proposal 351 format 0: the password is the isolation string. */
    public static final String USERNAME = EXTENDED_PREFIX + "0";
    /** The version prefix of the isolation string. */
    public static final String VERSION = "si1";
    /** The longest application name. */
    public static final int MAX_APP = 64;
    /** The longest kind. */
    public static final int MAX_KIND = 64;
    /** The length of the digest, in hex characters (128 bits). */
    public static final int DIGEST_CHARS = 32;

    public IsolationString {
        check("app", app, MAX_APP, true);
        check("kind", kind, MAX_KIND, false);
        if (digest == null || digest.length() != DIGEST_CHARS || !isLowerHex(digest)) {
            // The digest is an isolation key: only its length is told.
            throw new IllegalArgumentException("digest: " + (digest == null ? "null" : digest.length() + " characters")
                    + " (expected: " + DIGEST_CHARS + " lowercase hex characters)");
        }
    }

    /** {@code si1:<app>:<kind>:<digest>}. */
    public String password() {
        return VERSION + ":" + app + ":" + kind + ":" + digest;
    }

    /** The RFC 1929 request that carries this isolation string: {@value #USERNAME} and {@link #password()}. */
    public Socks5PasswordAuthRequest credentials() {
        return new Socks5PasswordAuthRequest(USERNAME, password());
    }

    /**
     * Reads an isolation string of this version from a password, or returns null when the password is not one
     * (another version, or a client's own key): the caller then takes the whole password as an opaque key.
     */
    public static IsolationString parse(String password) {
        if (password == null || !password.startsWith(VERSION + ":")) {
            return null;
        }
        String[] parts = password.split(":", -1);
        if (parts.length != 4) {
            return null;
        }
        try {
            return new IsolationString(parts[1], parts[2], parts[3]);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether a username is one of proposal 351's extended forms (any format). */
    public static boolean isExtendedUsername(String username) {
        return username != null && username.startsWith(EXTENDED_PREFIX);
    }

    /**
     * An application name for the string: characters outside {@code [A-Za-z0-9._-]} become {@code -}, cut to
     * {@value #MAX_APP}; {@code app} when nothing is left.
     */
    public static String appName(String raw) {
        StringBuilder b = new StringBuilder();
        if (raw != null) {
            for (int i = 0; i < raw.length() && b.length() < MAX_APP; i++) {
                char c = raw.charAt(i);
                b.append(isAppChar(c) ? c : '-');
            }
        }
        return b.length() == 0 ? "app" : b.toString();
    }

    private static void check(String field, String value, int max, boolean app) {
        boolean ok = value != null && !value.isEmpty() && value.length() <= max;
        for (int i = 0; ok && i < value.length(); i++) {
            char c = value.charAt(i);
            ok = app ? isAppChar(c) : c >= 'a' && c <= 'z' || c == '-' || c == '+';
        }
        if (!ok) {
            throw new IllegalArgumentException(field + ": \"" + value + "\" (expected: 1-" + max + " characters of "
                    + (app ? "[A-Za-z0-9._-]" : "[a-z-], +-joined") + ")");
        }
    }

    private static boolean isAppChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-';
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** The digest is an isolation key: the string prints with it {@code [scrubbed]}. */
    @Override
    public String toString() {
        return VERSION + ":" + app + ":" + kind + ":[scrubbed]";
    }
}
