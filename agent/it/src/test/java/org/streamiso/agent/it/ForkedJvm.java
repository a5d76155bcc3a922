package org.streamiso.agent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of this module's tests in a new JVM of the same JDK as the tests, with the agent; the
 * class path is the test classes and Netty (for {@link NettyClients}).
 */
final class ForkedJvm {
    static final Path AGENT_JAR = Path.of(System.getProperty("streamiso.agent.jar", "../target/streamiso.jar"));
    static final String CLASSES = System.getProperty("streamiso.test.classes", "target/test-classes");
    /**
     * The test classes, the isolation API jar and Netty, for the Netty application; Netty's classes load only where
     * it is used.
     */
    static final String CLASS_PATH = CLASSES + java.io.File.pathSeparator
            + System.getProperty("streamiso.api.jar", "../target/streamiso-api.jar") + java.io.File.pathSeparator
            + System.getProperty("streamiso.netty.classpath", "") + java.io.File.pathSeparator
            + System.getProperty("streamiso.dnsjava.classpath", "") + java.io.File.pathSeparator
            + System.getProperty("streamiso.reactor.classpath", "");

    /** What the forked JVM printed and how it ended. */
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private ForkedJvm() {
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int feature() {
        return Runtime.version().feature();
    }

    /** {@code java -javaagent:streamiso.jar=AGENTARGS JVMOPTS MAIN ARGS}; agentArgs null runs without the agent. */
    static Result run(String agentArgs, List<String> jvmOptions, Class<?> main, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java());
        if (agentArgs != null) {
            if (!Files.isRegularFile(AGENT_JAR)) {
                throw new IllegalStateException("agent jar not found at " + AGENT_JAR.toAbsolutePath()
                        + "; run mvn verify from the project root");
            }
            command.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
        }
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(CLASS_PATH);
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        return exec(command, 120);
    }

    static Result exec(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        return exec(command, java.util.Map.of(), timeoutSeconds);
    }

    /** Runs the command with these environment variables added to this JVM's. */
    static Result exec(List<String> command, java.util.Map<String, String> environment, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("streamiso-fork", ".out");
        Path err = Files.createTempFile("streamiso-fork", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IllegalStateException("forked JVM did not end within " + timeoutSeconds + " s: " + command
                        + "\n" + Files.readString(out, StandardCharsets.UTF_8) + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
