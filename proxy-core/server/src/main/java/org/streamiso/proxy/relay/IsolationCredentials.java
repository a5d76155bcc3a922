package org.streamiso.proxy.relay;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.streamiso.socks.Socks5AddressType;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * Maps a stream to the SOCKS username/password that proxy-core sends to Tor: the isolation key Tor sees. Two streams
 * get the same credentials exactly when they may share a circuit.
 *
 * <p>The credentials combine, in an unambiguous length-prefixed encoding hashed with SHA-256 under a random
 * per-process salt: the listening port and its policy, the client's address (as Tor's IsolateClientAddr), the
 * client's own key (its RFC 1929 username and password, or none), and, as the port's policy says, the destination
 * address and port. The hash keeps every input within RFC 1929's 255 bytes and out of Tor's logs; the salt keeps
 * keys of one run unlinkable to those of another. Tor isolates on the pair (IsolateSOCKSAuth, on by default).
 *
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions: stream isolation</a>
 */
public final class IsolationCredentials {
    /** The username of every upstream stream; the password carries the key. */
    public static final String USERNAME = "streamiso";

    private static final byte[] DOMAIN_SEPARATOR = "streamiso isolation v1".getBytes(StandardCharsets.US_ASCII);
    private static final int SALT_BYTES = 32;

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
        String password = HexFormat.of().formatHex(sha256.digest(fields.toByteArray()));
        return new Socks5PasswordAuthRequest(USERNAME, password);
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
