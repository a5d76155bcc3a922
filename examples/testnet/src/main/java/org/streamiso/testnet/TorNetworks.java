package org.streamiso.testnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.opentest4j.TestAbortedException;
import org.streamiso.testnet.internal.Executables;

/**
 * The private Tor network of this test JVM: started on first use, shared by every test, stopped by
 * a shutdown hook when the JVM exits.
 *
 * <p>Its client maps a fixed set of names to 127.0.0.1. A test starts its own server on
 * 127.0.0.1 and reaches it through Tor by one of these names and the server's port. The names
 * exist only inside Tor: a connection that leaks past Tor fails to resolve instead of passing.
 *
 * <p>Where {@code tor} is not installed, {@link #shared()} skips the test (JUnit's
 * {@link TestAbortedException}), unless {@value #REQUIRE_TOR_ENV}=1 is set, as in CI, where a
 * missing tor fails the test.
 */
public final class TorNetworks {

    /** A name only Tor knows, mapped to 127.0.0.1. */
    public static final String WEB_NAME = "web.streamiso.test";
    /** A second name only Tor knows, mapped to 127.0.0.1: a different destination address for IsolateDestAddr. */
    public static final String API_NAME = "api.streamiso.test";
    /** A third name only Tor knows, mapped to 127.0.0.1, for canary listeners in leak tests. */
    public static final String CANARY_NAME = "canary.streamiso.test";
    /** A name only Tor knows, mapped to 127.0.0.1, for the database servers of the real-client tests. */
    public static final String DB_NAME = "db.streamiso.test";
    /** A name only Tor knows, mapped to 127.0.0.1, for the gRPC server of the real-client tests. */
    public static final String RPC_NAME = "rpc.streamiso.test";
    /**
     * A name that exists nowhere: not mapped, and the exits' nameserver answers NXDOMAIN, so a
     * CONNECT to it fails with Tor's resolve failure (SOCKS5 reply 0x04, host unreachable).
     */
    public static final String UNKNOWN_NAME = "nowhere.streamiso.test";

    /**
     * Names only Tor knows where the Public Suffix List and a count of two labels disagree about the first party
     * ({@code github.io} is a public suffix, so {@code alice.github.io} and {@code bob.github.io} are two parties;
     * {@code example.co.uk} is one party of two hosts, and {@code other.co.uk} another), mapped to 127.0.0.1, for the
     * first-party isolation tests. Mapped inside the private network only: nothing resolves them elsewhere.
     */
    public static final List<String> FIRST_PARTY_NAMES = List.of("alice.github.io", "bob.github.io",
            "a.example.co.uk", "b.example.co.uk", "c.other.co.uk");

    /**
     * A name only Tor knows, mapped to {@link #NAMESPACE_ADDRESS_PROPERTY}'s address outside 127.0.0.0/8, for programs
     * that refuse loopback (torsocks): only in a network started inside a loopback-only namespace with that property.
     */
    public static final String OUTSIDE_NAME = "outside.streamiso.test";
    /**
     * System property: an IPv4 address outside 127.0.0.0/8 on {@code lo} of the loopback-only network namespace the
     * shared network runs in; maps {@link #OUTSIDE_NAME} to it and lets the exits reach it.
     */
    public static final String NAMESPACE_ADDRESS_PROPERTY = "streamiso.testnet.namespace-address";

    /** Environment variable: {@code 1} turns "tor is missing" from a skipped test into a failed one. */
    public static final String REQUIRE_TOR_ENV = "STREAMISO_REQUIRE_TOR";
    /** System property: the folder in which the shared network's work directory is created. */
    public static final String DIR_PROPERTY = "streamiso.testnet.dir";
    /** System property: {@code true} also writes each tor's info-level log ({@code NICKNAME.info.log}). */
    public static final String INFO_LOGS_PROPERTY = "streamiso.testnet.infoLogs";

    private static PrivateTorNetwork shared;
    private static IOException sharedFailure;

    private TorNetworks() {
    }

    /** The MapAddress entries of the shared network: each name constant above except {@link #UNKNOWN_NAME}. */
    public static Map<String, String> mapAddresses() {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(WEB_NAME, "127.0.0.1");
        entries.put(API_NAME, "127.0.0.1");
        entries.put(CANARY_NAME, "127.0.0.1");
        entries.put(DB_NAME, "127.0.0.1");
        entries.put(RPC_NAME, "127.0.0.1");
        for (String name : FIRST_PARTY_NAMES) {
            entries.put(name, "127.0.0.1");
        }
        return entries;
    }

    /**
     * The JVM-wide network, started (and waited for) on the first call.
     *
     * @throws TestAbortedException  when tor is not installed and {@value #REQUIRE_TOR_ENV} is not 1
     * @throws IllegalStateException when tor is not installed and {@value #REQUIRE_TOR_ENV} is 1
     * @throws UncheckedIOException  when the network did not start; later calls throw the same at once
     */
    public static synchronized PrivateTorNetwork shared() {
        if (shared != null) {
            return shared;
        }
        if (sharedFailure != null) {
            throw new UncheckedIOException("The shared private Tor network failed to start earlier in this JVM; "
                    + "not trying again. First failure: " + sharedFailure.getMessage(), sharedFailure);
        }
        requireTor();
        try {
            PrivateTorNetwork.Builder builder = PrivateTorNetwork.builder(newWorkDir()).mapAddresses(mapAddresses())
                    .infoLogs(Boolean.getBoolean(INFO_LOGS_PROPERTY));
            String outside = System.getProperty(NAMESPACE_ADDRESS_PROPERTY);
            if (outside != null) {
                builder.namespaceAddress(OUTSIDE_NAME, outside);
            }
            shared = builder.start();
            return shared;
        } catch (IOException e) {
            sharedFailure = e;
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Returns when {@code tor} and {@code tor-gencert} are on PATH, for a test that starts the network in another
     * JVM (inside a network namespace) and must skip or fail as {@link #shared()} does before it starts anything.
     *
     * @throws TestAbortedException  when either is missing and {@value #REQUIRE_TOR_ENV} is not 1
     * @throws IllegalStateException when either is missing and {@value #REQUIRE_TOR_ENV} is 1
     */
    public static void requireTor() {
        if (PrivateTorNetwork.locateTor().isPresent() && Executables.onPath("tor-gencert").isPresent()) {
            return;
        }
        String message = "No 'tor' or 'tor-gencert' on PATH, so the real-Tor tests cannot run. "
                + "Install tor (Debian: apt-get install tor)";
        if ("1".equals(System.getenv(REQUIRE_TOR_ENV))) {
            throw new IllegalStateException(message + "; " + REQUIRE_TOR_ENV + "=1 makes this a failure.");
        }
        throw Skip.because(message + ", or set " + REQUIRE_TOR_ENV + "=1 to fail instead of skipping.");
    }

    /**
     * A fresh folder under {@value #DIR_PROPERTY}, else under {@code target/} of the current module
     * (kept after the run, so CI can show the tor logs), else under the system temp folder.
     */
    private static Path newWorkDir() throws IOException {
        String configured = System.getProperty(DIR_PROPERTY);
        Path parent = configured != null ? Path.of(configured)
                : Files.isDirectory(Path.of("target")) ? Path.of("target")
                : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent.toAbsolutePath(), "tor-network-");
    }

    /**
     * Builds JUnit's skip exception. Kept apart so that loading {@link TorNetworks} (for its
     * constants, e.g. from the demo's {@code main}) never needs opentest4j on the class path.
     */
    private static final class Skip {
        static RuntimeException because(String message) {
            return new TestAbortedException(message);
        }
    }
}
