package org.streamiso.agent.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs {@code java -jar streamiso.jar COMMAND ...} on the JDK of the tests, as a user would. */
final class SelfCheckCommand {
    private SelfCheckCommand() {
    }

    static ForkedJvm.Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ForkedJvm.java(), "-jar",
                ForkedJvm.AGENT_JAR.toAbsolutePath().toString()));
        command.addAll(Arrays.asList(args));
        return ForkedJvm.exec(command, 120);
    }

    /** The line of the output that starts with {@code prefix} and contains {@code part}, or null. */
    static String line(ForkedJvm.Result r, String prefix, String part) {
        for (String l : r.stdout().split("\n")) {
            if (l.startsWith(prefix) && l.contains(part)) {
                return l;
            }
        }
        return null;
    }

    static Path jar() {
        return ForkedJvm.AGENT_JAR.toAbsolutePath();
    }
}
