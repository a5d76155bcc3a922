package org.streamiso.proxy.relay;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * Maps a stream to the SOCKS username/password that proxy-core sends to Tor: the isolation key Tor sees. Two streams
 * get the same credentials exactly when they may share a circuit.
 *
 * <p>proxy-core speaks the credential contract ({@link IsolationString}) to Tor as well: the username is
 * {@value IsolationString#USERNAME} and the password is {@code si1:<app>:<kind>:<digest>}, where
 * <ul>
 * <li>{@code app} is the client's ({@link ClientKey#app()}: the app of its isolation string, {@code legacy} for a
 *     plain SOCKS username, {@code no-key} without credentials, {@code unknown} for a {@code <torS0X>0} password that
 *     is no isolation string);</li>
 * <li>{@code kind} is the client's kind ({@link ClientKey#kind()}) followed by what the port's policy adds,
 *     {@code dest-addr} and/or {@code dest-port}, unless the client's kind names it already, e.g.
 *     {@code thread+dest-addr}; when that is longer than {@value IsolationString#MAX_KIND} characters, the client's
 *     names are dropped from the end until it fits (the port's are always kept);</li>
 * <li>{@code digest} is the first 128 bits, in hex, of a SHA-256 under a random per-process salt over an
 *     unambiguous length-prefixed encoding of every input: the listening port and its policy, the client's address
 *     (as Tor's IsolateClientAddr), the client's RFC 1929 username and password as it sent them (or none), the key's
 *     identity epoch once renewed, and, as the port's policy says, the destination address and port.</li>
 * </ul>
 * App and kind are functions of those inputs too, so two streams get equal credentials exactly when all their inputs
 * are equal, as before the contract. The client's own password reaches Tor only inside the digest: the hash keeps
 * every input within RFC 1929's 255 bytes (the password is at most 166) and out of Tor's logs and ControlPort; the
 * salt keeps keys of one run unlinkable to those of another. Tor isolates on the pair (IsolateSOCKSAuth, on by
 * default).
 *
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions: stream isolation</a>
 * @see <a href="https://spec.torproject.org/proposals/351-socks-auth-extensions.html">Tor proposal 351</a>
 */
public final class IsolationCredentials {
    /** The username of every upstream stream, {@value IsolationString#USERNAME}; the password carries the key. */
    public static final String USERNAME = IsolationString.USERNAME;

    private static final byte[] DOMAIN_SEPARATOR = "streamiso isolation v1".getBytes(StandardCharsets.US_ASCII);
    private static final int SALT_BYTES = 32;
    /** The digest's bytes: {@value IsolationString#DIGEST_CHARS} hex characters. */
    private static final int DIGEST_BYTES = IsolationString.DIGEST_CHARS / 2;

    private final byte[] salt;
    /**
     * The identity epoch of each renewed client key ({@link ClientKey#key()}: the isolation-string password of a
     * {@code <torS0X>0} client, the username of any other), and of {@link #NO_KEY} for clients that send no
     * credentials; absent means 0.
     */
    private final ConcurrentHashMap<String, Long> epochs = new ConcurrentHashMap<>();
    /**
     * Where the epochs map keeps the identity of clients that send no credentials: RFC 1929 usernames and passwords
     * are 1-255 bytes, so no key is empty.
     */
    private static final String NO_KEY = "";

    public IsolationCredentials(byte[] salt) {
        if (salt.length < 16) {
            throw new IllegalArgumentException("salt: " + salt.length + " bytes (expected: at least 16)");
        }
        this.salt = salt.clone();
    }

    /** Credentials under a fresh random salt: keys of this run match no key of another run. */
    public static IsolationCredentials random() {
        byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        return new IsolationCredentials(salt);
    }

    /**
     * Starts a new identity epoch for a client key: streams of that key opened from now on get credentials that
     * no earlier stream had, so Tor puts them on new circuits; streams already open keep their circuits, and every
     * other key keeps its credentials.
     *
     * @param clientKey the client's key, {@link ClientKey#key()}: the password of a {@code <torS0X>0} client (its
     *                  isolation string), the username of any other, as it sends it; or null for the clients that
     *                  send no credentials (one identity for all of them, on every listening port). A key renews
     *                  every client that sends it, whichever way.
     * @return the key's new epoch (1 after the first renewal)
     */
    public long renew(String clientKey) {
        return epochs.merge(clientKey == null ? NO_KEY : requireKey(clientKey), 1L, Long::sum);
    }

    /**
     * The current identity epoch of a client key (null: of the clients that send no credentials): 0 until
     * {@link #renew} is first called for it.
     */
    public long epoch(String clientKey) {
        return epochs.getOrDefault(clientKey == null ? NO_KEY : clientKey, 0L);
    }

    private static String requireKey(String clientKey) {
        if (clientKey.isEmpty()) {
            throw new IllegalArgumentException("clientKey: \"\" (expected: a client's key, 1-255 bytes: the password"
                    + " of a <torS0X>0 client, the username of any other; null for clients that send no credentials)");
        }
        return clientKey;
    }

    /** The credentials to send to Tor for one stream, in its client key's current epoch (see below). */
    public Socks5PasswordAuthRequest upstream(ListenerConfig listener, InetAddress clientAddress,
            Socks5PasswordAuthRequest clientKey, Socks5CommandRequest request) {
        return upstream(listener, clientAddress, clientKey, request, epoch(ClientKey.of(clientKey).key()));
    }

    /**
     * The credentials to send to Tor for one stream.
     *
     * @param listener      the listening port that accepted the client
     * @param clientAddress the client's IP address
     * @param clientKey     the client's RFC 1929 username/password, or null when it sent none
     * @param request       the client's request; its destination counts as the listener's policy says
     * @param epoch         the client key's identity epoch, or that of the clients without a key (see {@link #renew})
     */
    public Socks5PasswordAuthRequest upstream(ListenerConfig listener, InetAddress clientAddress,
            Socks5PasswordAuthRequest clientKey, Socks5CommandRequest request, long epoch) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(request, "request");
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM; every Java SE runtime has it", e);
        }
        Fields fields = new Fields();
        fields.add(DOMAIN_SEPARATOR);
        fields.add(salt);
        fields.add(listener.address().getAddress().getAddress());
        fields.add(Integer.toString(listener.address().getPort()));
        fields.add(listener.isolation().optionName());
        fields.add(clientAddress.getAddress());
        if (clientKey == null) {
            fields.add("no key");
        } else {
            fields.add("key");
            fields.add(clientKey.username().getBytes(StandardCharsets.ISO_8859_1));
            fields.add(clientKey.password().getBytes(StandardCharsets.ISO_8859_1));
        }
        if (epoch != 0) {
            // Only renewed keys get the field, so that epoch 0 keeps the credentials of before renewals existed.
            fields.add("epoch");
            fields.add(Long.toString(epoch));
        }
        if (listener.isolation().isolatesDestAddr()) {
            fields.add("dest-addr");
            fields.add(new byte[] {request.dstAddrType().byteValue()});
            String addr = request.dstAddr();
            // Names are case-insensitive: Example.COM and example.com are one destination.
            fields.add((Socks5AddressType.DOMAIN.equals(request.dstAddrType()) ? addr.toLowerCase(Locale.ROOT) : addr)
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        if (listener.isolation().isolatesDestPort()) {
            fields.add("dest-port");
            fields.add(Integer.toString(request.dstPort()));
        }
        String digest = HexFormat.of().formatHex(sha256.digest(fields.toByteArray()), 0, DIGEST_BYTES);
        ClientKey key = ClientKey.of(clientKey);
        return new IsolationString(IsolationString.appName(key.app()), kind(key.kind(), listener.isolation()), digest)
                .credentials();
    }

    /**
     * The kind sent to Tor: the client's kind, then the policy's names that it lacks; cut to
     * {@value IsolationString#MAX_KIND} characters by dropping the client's names from the end.
     */
    static String kind(String clientKind, IsolationPolicy policy) {
        List<String> client = new ArrayList<>();
        for (String name : clientKind.split("\\+")) {
            if (!name.isEmpty()) {
                client.add(name);
            }
        }
        List<String> added = new ArrayList<>(2);
        if (policy.isolatesDestAddr() && !client.contains(IsolationPolicy.DEST_ADDR.optionName())) {
            added.add(IsolationPolicy.DEST_ADDR.optionName());
        }
        if (policy.isolatesDestPort() && !client.contains(IsolationPolicy.DEST_PORT.optionName())) {
            added.add(IsolationPolicy.DEST_PORT.optionName());
        }
        String kind = join(client, added);
        while (kind.length() > IsolationString.MAX_KIND) {
            client.remove(client.size() - 1);
            kind = join(client, added);
        }
        return kind.isEmpty() ? ClientKey.OPAQUE_KIND : kind;
    }

    private static String join(List<String> first, List<String> then) {
        List<String> all = new ArrayList<>(first);
        all.addAll(then);
        return String.join("+", all);
    }

    /** Length-prefixed fields: no two different field lists encode to the same bytes. */
    private static final class Fields {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        void add(String ascii) {
            add(ascii.getBytes(StandardCharsets.ISO_8859_1));
        }

        void add(byte[] bytes) {
            int n = bytes.length;
            out.write(n >>> 24);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
            out.write(bytes, 0, n);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
