package org.streamiso.agent.it;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.streamiso.agent.it.clients.GrpcTestServer;

/**
 * A real server that {@link TorLeakNamespace} starts inside its network namespace, on 127.0.0.1 and a fixed port
 * (the namespace is empty, so every port is free; Tor's own ports are ephemeral ones, above 32767), for clients
 * that reach it through Tor by a name that exists only inside Tor.
 *
 * <p>Pure data: files to write into the server's own empty folder, setup commands that run to their end, then the
 * server's command, which runs until the fixture ends it (SIGTERM). In every string {@code {dir}} is that folder,
 * {@code {port}} the port, {@code {java}} this JDK's {@code java} and {@code {classpath}} the test class path.
 * Commands run in the namespace as root, or as {@code nobody} where {@code asNobody} says so (PostgreSQL refuses to
 * run as root); the folder then belongs to {@code nobody}.
 *
 * @param name     the name clients give in {@link TracedClient#reaches}
 * @param port     the port on 127.0.0.1 the server listens on; it is ready once that port accepts
 * @param missing  why the server cannot run on this machine (a tool is not installed, and which package has it),
 *                 or empty
 * @param files    file name in the folder to its content
 * @param setup    commands run one after the other before the server starts
 * @param command  the server itself, in the foreground
 * @param asNobody run the setup and the server as {@code nobody:nogroup}
 */
record NamespaceServer(String name, int port, Optional<String> missing, Map<String, String> files,
        List<List<String>> setup, List<String> command, boolean asNobody) {

    /** The web server of {@link TestWebServer}, HTTP/1.1 on port 8080. */
    static final String WEB = "web";
    /** {@link #outsideWeb()}. */
    static final String OUTSIDE_WEB = "outside-web";
    /** The gRPC server of {@link GrpcTestServer}, on port 9090. */
    static final String GRPC = "grpc";
    /** PostgreSQL, on port 5432. */
    static final String POSTGRES = "postgres";
    /** MariaDB, on port 3306. */
    static final String MARIADB = "mariadb";

    /** The database, user and password both database servers are set up with. */
    static final String DB_USER = "streamiso";
    static final String DB_PASSWORD = "streamiso-secret";
    static final String DB_DATABASE = "streamiso";

    NamespaceServer {
        files = Map.copyOf(files);
        setup = setup.stream().map(List::copyOf).toList();
        command = List.copyOf(command);
    }

    /** A Java main class of the test class path, given the port as its one argument. */
    static NamespaceServer java(String name, int port, Class<?> main) {
        return new NamespaceServer(name, port, Optional.empty(), Map.of(), List.of(),
                List.of("{java}", "-cp", "{classpath}", main.getName(), "{port}"), false);
    }

    static NamespaceServer web() {
        return java(WEB, 8080, TestWebServer.class);
    }

    /**
     * The web server of {@link TestWebServer} on every address of the namespace, port 8081: reached through Tor at
     * {@link TorLeakNamespace#namespaceAddress}'s address, by {@code TorNetworks.OUTSIDE_NAME}.
     */
    static NamespaceServer outsideWeb() {
        return new NamespaceServer(OUTSIDE_WEB, 8081, Optional.empty(), Map.of(), List.of(),
                List.of("{java}", "-cp", "{classpath}", TestWebServer.class.getName(), "{port}", "any"), false);
    }

    static NamespaceServer grpc() {
        return java(GRPC, 9090, GrpcTestServer.class);
    }

    /**
     * PostgreSQL from the Debian package ({@code /usr/lib/postgresql/N/bin}), a throwaway cluster made by
     * {@code initdb} with SCRAM-SHA-256 password authentication for {@link #DB_USER}, no fsync.
     */
    static NamespaceServer postgres() {
        Optional<Path> bin = postgresBin();
        String initdb = bin.map(b -> b.resolve("initdb").toString()).orElse("initdb");
        String postgres = bin.map(b -> b.resolve("postgres").toString()).orElse("postgres");
        return new NamespaceServer(POSTGRES, 5432,
                bin.isPresent() ? Optional.empty()
                        : Optional.of("PostgreSQL's initdb and postgres (/usr/lib/postgresql/N/bin: apt-get install "
                                + "postgresql)"),
                Map.of("password", DB_PASSWORD + "\n"),
                List.of(List.of(initdb, "-D", "{dir}/data", "-U", DB_USER, "--pwfile={dir}/password",
                        "--auth=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions")),
                List.of(postgres, "-D", "{dir}/data", "-h", "127.0.0.1", "-p", "{port}", "-k", "{dir}", "-c",
                        "fsync=off"),
                true);
    }

    /**
     * MariaDB from the Debian package, a throwaway data folder made by {@code mariadb-install-db}; an init file
     * creates {@link #DB_USER} (password authentication, from 127.0.0.1, where Tor's exit connects from) and
     * {@link #DB_DATABASE}. No name resolution, no binary log.
     */
    static NamespaceServer mariadb() {
        Optional<Path> install = executable("mariadb-install-db");
        Optional<Path> server = executable("mariadbd");
        String initSql = String.join("\n",
                "CREATE USER '" + DB_USER + "'@'127.0.0.1' IDENTIFIED BY '" + DB_PASSWORD + "';",
                "CREATE DATABASE " + DB_DATABASE + ";",
                "GRANT ALL ON " + DB_DATABASE + ".* TO '" + DB_USER + "'@'127.0.0.1';", "");
        return new NamespaceServer(MARIADB, 3306,
                install.isPresent() && server.isPresent() ? Optional.empty()
                        : Optional.of("mariadb-install-db and mariadbd (apt-get install mariadb-server)"),
                Map.of("init.sql", initSql),
                List.of(List.of(install.map(Path::toString).orElse("mariadb-install-db"), "--no-defaults",
                        "--datadir={dir}/data", "--auth-root-authentication-method=socket", "--skip-test-db",
                        "--skip-name-resolve")),
                List.of(server.map(Path::toString).orElse("mariadbd"), "--no-defaults", "--datadir={dir}/data",
                        "--socket={dir}/mysqld.sock", "--pid-file={dir}/mysqld.pid", "--port={port}",
                        "--bind-address=127.0.0.1", "--skip-name-resolve", "--init-file={dir}/init.sql",
                        "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0"),
                true);
    }

    /** The commands with the placeholders filled in. */
    List<List<String>> commands(Path dir, String java, String classpath) {
        List<List<String>> all = new ArrayList<>(setup);
        all.add(command);
        return all.stream().map(c -> c.stream().map(s -> s.replace("{dir}", dir.toString())
                .replace("{port}", Integer.toString(port)).replace("{java}", java).replace("{classpath}", classpath))
                .toList()).toList();
    }

    private static Optional<Path> postgresBin() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparingInt(b -> versionOf(b.getParent())));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** An executable on PATH, or in /usr/sbin (where Debian puts mariadbd, and which a non-root PATH lacks). */
    private static Optional<Path> executable(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/sbin");
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable)
                .findFirst();
    }
}
