package org.streamiso.testnet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creates the keys of the private network's relays before any tor starts, because every torrc
 * must name the directory authorities by their fingerprints.
 *
 * <ul>
 *   <li>An authority's v3 identity, signing key and certificate come from {@code tor-gencert}; its
 *       v3ident is the certificate's {@code fingerprint} line.</li>
 *   <li>A relay's identity keys come from {@code tor --list-fingerprint}, which creates them in the
 *       DataDirectory and writes its {@code fingerprint} file.</li>
 * </ul>
 *
 * @see <a href="https://spec.torproject.org/dir-spec/creating-key-certificates.html">dir-spec, key certificates</a>
 */
public final class RelayKeys {

    private static final long TOOL_TIMEOUT_SECONDS = 60;

    private RelayKeys() {
    }

    /** Starts {@code tor-gencert} for one authority; finish it with {@link #awaitAuthorityV3Ident}. */
    public static Process startAuthorityKeys(Path torGencert, Path keysDirectory, String dirAddress) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(torGencert.toString(),
                "--create-identity-key", "--passphrase-fd", "0",
                "-m", "12",
                "-a", dirAddress,
                "-i", keysDirectory.resolve("authority_identity_key").toString(),
                "-s", keysDirectory.resolve("authority_signing_key").toString(),
                "-c", keysDirectory.resolve("authority_certificate").toString());
        builder.redirectErrorStream(true);
        Process process = builder.start();
        process.getOutputStream().close(); // empty passphrase: the test keys are not encrypted
        return process;
    }

    /** Waits for {@code tor-gencert} and returns the authority's v3ident (40 hex digits). */
    public static String awaitAuthorityV3Ident(Process gencert, Path keysDirectory) throws IOException {
        String output = await(gencert, "tor-gencert");
        Path certificate = keysDirectory.resolve("authority_certificate");
        if (!Files.isRegularFile(certificate)) {
            throw new IOException("tor-gencert wrote no " + certificate + "; the network was not started. "
                    + "Its output: " + output.strip());
        }
        for (String line : Files.readAllLines(certificate, StandardCharsets.US_ASCII)) {
            if (line.startsWith("fingerprint ")) {
                return line.substring("fingerprint ".length()).strip();
            }
        }
        throw new IOException(certificate + " has no fingerprint line; the network was not started. "
                + "Is " + certificate.getParent() + " shared with another tor-gencert?");
    }

    /**
     * Creates a relay's identity keys in {@code dataDirectory} and returns its fingerprint
     * (40 hex digits).
     */
    public static String relayFingerprint(Path tor, Path defaultsTorrc, Path dataDirectory, String nickname,
            int orPort) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(tor.toString(),
                "--defaults-torrc", defaultsTorrc.toString(), "-f", defaultsTorrc.toString(),
                "--list-fingerprint",
                "--DataDirectory", dataDirectory.toString(),
                "--Nickname", nickname,
                "--Address", "127.0.0.1",
                "--ORPort", "127.0.0.1:" + orPort,
                "--Log", "notice stdout");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        process.getOutputStream().close();
        String output = await(process, "tor --list-fingerprint");
        Path file = dataDirectory.resolve("fingerprint");
        List<String> lines = Files.isRegularFile(file) ? Files.readAllLines(file, StandardCharsets.US_ASCII) : List.of();
        if (lines.isEmpty() || lines.get(0).split(" ").length != 2) {
            throw new IOException("tor --list-fingerprint wrote no " + file + "; the network was not started. "
                    + "Its output: " + output.strip());
        }
        return lines.get(0).split(" ")[1];
    }

    private static String await(Process process, String what) throws IOException {
        try {
            if (!process.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within " + TOOL_TIMEOUT_SECONDS
                        + " s and was killed; the network was not started. Is the machine overloaded?");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(what + " was interrupted and killed; the network was not started.", e);
        }
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (process.exitValue() != 0) {
            throw new IOException(what + " exited with status " + process.exitValue()
                    + "; the network was not started. Its output: " + output.strip());
        }
        return output;
    }
}
