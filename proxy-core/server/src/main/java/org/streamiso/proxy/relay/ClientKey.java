package org.streamiso.proxy.relay;

import java.util.Objects;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * The isolation key a client brings in its RFC 1929 credentials, as proxy-core renews, counts and groups it: the key
 * itself, and the application and isolation kind it belongs to.
 *
 * <ul>
 * <li>Username exactly {@value IsolationString#USERNAME} (Tor proposal 351, format 0; the streamiso agent): the key is
 *     the password, the whole isolation string. When it parses as {@code si1:<app>:<kind>:<digest>}
 *     ({@link IsolationString#parse}), app and kind are the string's; otherwise {@value #UNKNOWN_APP} and
 *     {@value #OPAQUE_KIND} (another version, or a client's own key).</li>
 * <li>Any other username that starts with {@value IsolationString#EXTENDED_PREFIX} (another proposal-351 format):
 *     the key is the username, app {@value #UNKNOWN_APP}, kind {@value #UNSUPPORTED_KIND}. Such clients are refused,
 *     as tor 0.4.9 refuses them; the key only counts their refusals.</li>
 * <li>Any other username (a client that isolates by SOCKS credentials, as Tor Browser does): the key is the username,
 *     app {@value #LEGACY_APP}, kind {@value #LEGACY_KIND}; the password still takes part in the credentials sent to
 *     Tor, but is no part of this key.</li>
 * <li>No credentials: {@link #NONE}, key null, app {@value #NO_KEY_APP}, kind {@value #NO_KEY_KIND}; every such client
 *     shares one identity.</li>
 * </ul>
 * The app and kind are in the clear in the contract, so the status shows them; the key prints {@code [scrubbed]}.
 * Apps and kinds are names of {@code [A-Za-z0-9._-]} and {@code [a-z-]} (joined by {@code +}) as in
 * {@link IsolationString}, so that they can go on into the isolation string that proxy-core sends Tor.
 *
 * @param key  the key, in clear: the isolation-string password of a {@value IsolationString#USERNAME} client, the
 *             username of any other; null for clients that sent no credentials
 * @param app  the application the key belongs to
 * @param kind the isolation kind: what made the key
 * @see <a href="https://spec.torproject.org/proposals/351-socks-auth-extensions.html">Tor proposal 351</a>
 */
public record ClientKey(String key, String app, String kind) {
    /** The app of a {@value IsolationString#USERNAME} password that is no v1 isolation string. */
    public static final String UNKNOWN_APP = "unknown";
    /** The kind of a {@value IsolationString#USERNAME} password that is no v1 isolation string. */
    public static final String OPAQUE_KIND = "opaque";
    /** The kind of a username of another proposal-351 format (refused). */
    public static final String UNSUPPORTED_KIND = "unsupported-format";
    /** The app of clients whose key is a plain SOCKS username. */
    public static final String LEGACY_APP = "legacy";
    /** The kind of clients whose key is a plain SOCKS username (Tor's IsolateSOCKSAuth). */
    public static final String LEGACY_KIND = "socks-auth";
    /** The app of clients that send no credentials. */
    public static final String NO_KEY_APP = "no-key";
    /** The kind of clients that send no credentials. */
    public static final String NO_KEY_KIND = "none";

    /** Clients without credentials: one identity for all of them. */
    public static final ClientKey NONE = new ClientKey(null, NO_KEY_APP, NO_KEY_KIND);

    public ClientKey {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(kind, "kind");
    }

    /** The key of a client's credentials (null: it sent none), as the list above says. */
    public static ClientKey of(Socks5PasswordAuthRequest credentials) {
        if (credentials == null) {
            return NONE;
        }
        String username = credentials.username();
        if (IsolationString.USERNAME.equals(username)) {
            IsolationString string = IsolationString.parse(credentials.password());
            return string == null ? new ClientKey(credentials.password(), UNKNOWN_APP, OPAQUE_KIND)
                    : new ClientKey(credentials.password(), string.app(), string.kind());
        }
        if (IsolationString.isExtendedUsername(username)) {
            return new ClientKey(username, UNKNOWN_APP, UNSUPPORTED_KIND);
        }
        return legacy(username);
    }

    /** The key of a plain SOCKS username. */
    public static ClientKey legacy(String username) {
        return new ClientKey(Objects.requireNonNull(username, "username"), LEGACY_APP, LEGACY_KIND);
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "ClientKey[key=" + (key == null ? "none" : "[scrubbed]") + ", app=" + app + ", kind=" + kind + "]";
    }
}
