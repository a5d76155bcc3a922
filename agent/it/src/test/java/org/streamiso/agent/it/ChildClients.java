package org.streamiso.agent.it;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The application of the child-process tests, run under the agent: {@code fetch URL} fetches it itself;
 * {@code start PROGRAM ARGS...} starts a child process, waits for it and prints {@code start: OK exit N} with the
 * child's output, or {@code start: EXC} with the exception.
 */
public final class ChildClients {
    private ChildClients() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("fetch")) {
            HttpURLConnection c = (HttpURLConnection) new URL(args[1]).openConnection();
            try (InputStream in = c.getInputStream()) {
                in.readAllBytes();
                System.out.println("fetch: OK HTTP " + c.getResponseCode());
            } catch (Exception e) {
                System.out.println("fetch: EXC " + e);
            }
            return;
        }
        List<String> command = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("start: OK exit " + p.waitFor());
            System.out.print(out);
        } catch (Exception e) {
            System.out.println("start: EXC " + e);
        }
    }
}
