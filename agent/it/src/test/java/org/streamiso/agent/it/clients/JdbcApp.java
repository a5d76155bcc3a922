package org.streamiso.agent.it.clients;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * A JDBC driver (PostgreSQL's or MariaDB Connector/J, whichever the URL names) against a real server: connects with
 * {@code URL USER PASSWORD}, asks the server's version, writes a row into a new table and reads it back, printing
 * {@code OK VERSION | ROW}.
 */
public final class JdbcApp {
    public static final String ROW = "written through Tor";

    private JdbcApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> {
            try (Connection c = DriverManager.getConnection(args[0], args[1], args[2]);
                    Statement s = c.createStatement()) {
                String version;
                try (ResultSet r = s.executeQuery("SELECT version()")) {
                    r.next();
                    version = r.getString(1);
                }
                s.execute("CREATE TABLE streamiso_clients (note VARCHAR(64))");
                s.execute("INSERT INTO streamiso_clients VALUES ('" + ROW + "')");
                try (ResultSet r = s.executeQuery("SELECT note FROM streamiso_clients")) {
                    r.next();
                    return version + " | " + r.getString(1);
                }
            }
        });
    }
}
