package org.streamiso.testnet.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The lines of one torrc, written in the order they were added, with a comment for each group. */
public final class Torrc {

    private final List<String> lines = new ArrayList<>();

    /** Adds a {@code # comment} line that says why the options below it are there. */
    public Torrc comment(String text) {
        if (!lines.isEmpty()) {
            lines.add("");
        }
        lines.add("# " + text);
        return this;
    }

    /** Adds {@code Option value}; an option given twice keeps both lines, as tor reads them. */
    public Torrc option(String name, Object value) {
        String text = String.valueOf(value);
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(name + ": \"" + text + "\" (expected: a single line)");
        }
        lines.add(name + " " + text);
        return this;
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    public void write(Path file) throws IOException {
        Files.write(file, lines, StandardCharsets.UTF_8);
    }
}
