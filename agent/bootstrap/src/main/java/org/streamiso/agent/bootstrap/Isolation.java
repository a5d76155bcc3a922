package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * Decides the isolation key of each stream and turns it into SOCKS credentials under the contract of
 * {@link IsolationString}: username {@code <torS0X>0}, password {@code si1:<app>:<kind>:<digest>}. Two streams get
 * equal credentials, and so may share a Tor circuit, exactly when their keys are equal.
 *
 * <p>A key is the application's name and, as the {@code isolate} argument says, the thread, the destination host,
 * its port, its first party (registrable domain), a number of its own per connection, and the isolation scope the
 * application named through the API, with the identity epoch of the scope (or of the whole JVM). Only the app name
 * and the kind travel in the clear; everything else enters an HMAC-SHA256 under a random secret of this JVM, so no
 * destination or scope name reaches Tor, and no two JVMs share a key unless the user gives both the same
 * {@code link-jvms} secret.
 *
 * <p><b>Important:</b> bootstrap class, called from the connect hooks; nothing here runs in premain. The secret is
 * drawn at the first connection.
 */
public final class Isolation {
    /** The {@code isolate} argument's modes; {@code app} (one key for the JVM) is always in force. */
    public enum Mode {
        APP("app"), THREAD("thread"), DEST_HOST("dest-host"), DEST_PORT("dest-port"), FIRST_PARTY("first-party"),
        CONNECTION("connection");

        private final String word;

        Mode(String word) {
            this.word = word;
        }

        /** The mode's name in the {@code isolate} argument and in the kind of the isolation string. */
        public String word() {
            return word;
        }

        /** The mode of a word of the {@code isolate} argument, or null. */
        public static Mode of(String word) {
            for (Mode m : values()) {
                if (m.word.equals(word)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** The kind word of a key made inside a scope of the isolation API. */
    static final String SCOPE = "scope";
    /** The kind word of the credentials of a child process that runs under torsocks. */
    static final String EXEC = "exec";
    private static final byte[] DOMAIN = "streamiso isolation key v1".getBytes(StandardCharsets.US_ASCII);
    private static final String NO_SCOPE = "";

    /** The scope a thread runs in, inherited by the threads it starts (the API sets it; null: none). */
    static final InheritableThreadLocal<String> CURRENT_SCOPE = new InheritableThreadLocal<>();
    /**
     * Set while an agent thread works for an application thread (the in-JVM DNS server answering a query): the
     * thread and scope whose key the work carries.
     */
    private static final ThreadLocal<Origin> ACTING_FOR = new ThreadLocal<>();

    /** The thread and scope that started a piece of work, for an agent thread that finishes it later. */
    static final class Origin {
        private static final Origin UNKNOWN = new Origin(-1, null);
        final long thread;
        final String scope;

        private Origin(long thread, String scope) {
            this.thread = thread;
            this.scope = scope;
        }

        /**
         * A query whose sender is not known (its datagram's ID was not seen leaving): a key of its own under
         * {@code isolate=thread}, no scope.
         */
        static Origin unknown() {
            return UNKNOWN;
        }

        /** Whether this is {@link #unknown()}. */
        boolean isUnknown() {
            return this == UNKNOWN;
        }

        /** The current thread and its scope. */
        static Origin current() {
            Origin acting = ACTING_FOR.get();
            return acting != null ? acting : new Origin(threadId(), CURRENT_SCOPE.get());
        }
    }

    /** Runs {@code work} with the key of {@code origin}'s thread and scope instead of the current thread's. */
    static <T, E extends Exception> T actingFor(Origin origin, Work<T, E> work) throws E {
        Origin previous = ACTING_FOR.get();
        ACTING_FOR.set(origin);
        try {
            return work.run();
        } finally {
            if (previous == null) {
                ACTING_FOR.remove();
            } else {
                ACTING_FOR.set(previous);
            }
        }
    }

    /** Work done on behalf of an {@link Origin}. */
    interface Work<T, E extends Exception> {
        T run() throws E;
    }

    private final String app;
    private final Set<Mode> modes;
    private final String kind;
    private final String scopedKind;
    private final byte[] linkedSecret;
    private final UnaryOperator<String> firstParty;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong processes = new AtomicLong();
    /** Identity epochs: of a scope by its name, of the whole JVM under {@link #NO_SCOPE}; absent means 0. */
    private final ConcurrentHashMap<String, Long> epochs = new ConcurrentHashMap<>();
    private volatile SecretKeySpec key;
    /** Written before {@link #key} is published, read after it. */
    private long instance;
    private final ThreadLocal<Mac> macs = new ThreadLocal<>();

    /**
     * @param app          the application's name, as {@link IsolationString#appName} makes it
     * @param modes        the {@code isolate} modes ({@link Mode#APP} alone: one key per JVM)
     * @param linkedSecret the {@code link-jvms} secret, or null for a random one per JVM
     * @param firstParty   the registrable domain of a host name (the Public Suffix List), loaded on first use
     */
    public Isolation(String app, Set<Mode> modes, byte[] linkedSecret, UnaryOperator<String> firstParty) {
        this.app = IsolationString.appName(app);
        EnumSet<Mode> m = EnumSet.of(Mode.APP);
        m.addAll(modes);
        this.modes = m;
        StringBuilder k = new StringBuilder();
        for (Mode mode : m) {
            if (mode != Mode.APP || m.size() == 1) {
                k.append(k.length() == 0 ? "" : "+").append(mode.word());
            }
        }
        this.kind = k.toString();
        this.scopedKind = SCOPE + (m.size() == 1 ? "" : "+" + kind);
        this.linkedSecret = linkedSecret == null ? null : linkedSecret.clone();
        this.firstParty = firstParty;
    }

    public String app() {
        return app;
    }

    public Set<Mode> modes() {
        return modes;
    }

    /** The modes as the {@code isolate} argument writes them: {@code app}, or {@code app+thread+first-party}. */
    public String modesText() {
        StringBuilder b = new StringBuilder();
        for (Mode m : modes) {
            b.append(b.length() == 0 ? "" : "+").append(m.word());
        }
        return b.toString();
    }

    /** The kind of keys made outside any scope: the modes joined with {@code +} ({@code app} alone by default). */
    public String kind() {
        return kind;
    }

    /**
     * The credentials of a stream to {@code host:port} opened by the current thread (in its current scope), or of a
     * lookup of {@code host} (port 0).
     */
    public Socks5PasswordAuthRequest credentials(String host, int port) {
        Origin origin = Origin.current();
        String scope = origin.scope;
        Fields f = new Fields();
        f.add(DOMAIN);
        f.add(app);
        f.add(scope == null ? kind : scopedKind);
        f.add(Long.toString(epochs.getOrDefault(NO_SCOPE, 0L)));
        if (scope != null) {
            f.add(SCOPE);
            f.add(scope);
            f.add(Long.toString(epochs.getOrDefault(SCOPE + ":" + scope, 0L)));
        }
        if (modes.contains(Mode.THREAD)) {
            f.add("thread");
            f.add(instance() + ":" + origin.thread); // thread ids repeat in every JVM, linked ones included
        }
        String h = host == null ? "" : Bypass.canonicalName(host);
        if (modes.contains(Mode.DEST_HOST)) {
            f.add("dest-host");
            f.add(h);
        }
        if (modes.contains(Mode.DEST_PORT)) {
            f.add("dest-port");
            f.add(Integer.toString(port));
        }
        if (modes.contains(Mode.FIRST_PARTY)) {
            f.add("first-party");
            f.add(firstPartyOf(h));
        }
        if (modes.contains(Mode.CONNECTION)) {
            f.add("connection");
            f.add(instance() + ":" + connections.incrementAndGet());
        }
        return new IsolationString(app, scope == null ? kind : scopedKind, digest(f)).credentials();
    }

    /**
     * The credentials of a child process that runs under torsocks: {@code si1:<program>:exec:<digest>}, a key of
     * its own that no stream of this JVM, no other child and no other JVM has (a number of this process's own
     * enters the digest, so not even {@code link-jvms} links two children).
     *
     * @param program the program's file name, in the clear as the app name (it groups keys in proxy-core's status)
     */
    public Socks5PasswordAuthRequest processCredentials(String program) {
        Fields f = new Fields();
        f.add(DOMAIN);
        f.add(app);
        f.add(EXEC);
        f.add(instance() + ":" + processes.incrementAndGet());
        return new IsolationString(IsolationString.appName(program), EXEC, digest(f)).credentials();
    }

    /**
     * The first party of a host: its registrable domain by the Public Suffix List ({@code alice.github.io},
     * {@code example.co.uk}); an IP literal, an {@code .onion} address (its last two labels) and a name the list
     * knows no registrable domain of are their own party.
     */
    String firstPartyOf(String host) {
        if (host.isEmpty() || Socks5Address.parseLiteralIgnoringZone(host) != null) {
            return host;
        }
        if (Bypass.isOnion(host)) {
            int dot = host.lastIndexOf('.', host.length() - ".onion".length() - 1);
            return dot < 0 ? host : host.substring(dot + 1);
        }
        String party = firstParty.apply(host);
        return party == null ? host : party;
    }

    /** Starts a new identity for one scope: its later streams get new credentials, every other key keeps its own. */
    public long renew(String scope) {
        return epochs.merge(scope == null ? NO_SCOPE : SCOPE + ":" + scope, 1L, Long::sum);
    }

    @SuppressWarnings("deprecation") // Thread#threadId is JDK 19+; getId is the same number, never reused
    private static long threadId() {
        return Thread.currentThread().getId();
    }

    private String digest(Fields f) {
        Mac mac = macs.get();
        try {
            if (mac == null) {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(secret());
                macs.set(mac);
            }
            mac.update(f.buf, 0, f.n);
            byte[] d = mac.doFinal();
            char[] hex = new char[IsolationString.DIGEST_CHARS];
            for (int i = 0; i < hex.length / 2; i++) {
                hex[2 * i] = Character.forDigit((d[i] >> 4) & 0xF, 16);
                hex[2 * i + 1] = Character.forDigit(d[i] & 0xF, 16);
            }
            return new String(hex);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM; every Java SE runtime has it", e);
        }
    }

    /** A random number of this JVM's, drawn with the secret: what only this process counts is never linked. */
    private long instance() {
        secret();
        return instance;
    }

    private SecretKeySpec secret() {
        SecretKeySpec k = key;
        if (k == null) {
            synchronized (this) {
                k = key;
                if (k == null) {
                    SecureRandom random = new SecureRandom();
                    instance = random.nextLong();
                    byte[] bytes = linkedSecret;
                    if (bytes == null) {
                        bytes = new byte[32];
                        random.nextBytes(bytes);
                    }
                    k = new SecretKeySpec(bytes, "HmacSHA256");
                    key = k;
                }
            }
        }
        return k;
    }

    /** Length-prefixed fields: no two different field lists give the same bytes. */
    private static final class Fields {
        private byte[] buf = new byte[128];
        private int n;

        void add(String s) {
            add(s.getBytes(StandardCharsets.UTF_8));
        }

        void add(byte[] b) {
            if (n + 4 + b.length > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + 4 + b.length));
            }
            buf[n++] = (byte) (b.length >>> 24);
            buf[n++] = (byte) (b.length >>> 16);
            buf[n++] = (byte) (b.length >>> 8);
            buf[n++] = (byte) b.length;
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
        }

    }
}
