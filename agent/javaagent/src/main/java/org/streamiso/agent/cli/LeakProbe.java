package org.streamiso.agent.cli;

import org.streamiso.socks.Socks5Address;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.streamiso.agent.bootstrap.AgentConfig;

/**
 * The self-check's leak probes: {@link #main} runs in a child JVM under {@code -javaagent:streamiso.jar=ARGUMENTS}
 * and tries a direct connection, a local DNS lookup and a UDP datagram to destinations outside the bypass; the
 * {@link Runner} starts it and reports each outcome.
 *
 * <ul>
 * <li>The connection goes past every routing hook, straight to {@code sun.nio.ch.Net#connect}, the JDK's last Java
 * frame before the system call (where code the agent does not route would arrive): the agent's last guard must
 * refuse it before the system call.</li>
 * <li>The lookup runs with the JDK's own resolver pointed at a hosts file that answers the name with a canary
 * address ({@code -Djdk.net.hosts.file}): an answer with the canary means the machine's resolver was asked.</li>
 * <li>The datagram goes to port 9 (not 53, which the in-JVM DNS server answers): it must be refused.</li>
 * </ul>
 *
 * <p><b>Important:</b> the destinations are TEST-NET addresses (RFC 5737) outside the bypass, checked before the
 * child starts; the child probes only once it has seen that the agent is installed, so nothing reaches the network
 * even if something is wrong.
 */
public final class LeakProbe {
    /** TEST-NET-1, -2 and -3 (RFC 5737): the first that the bypass does not cover is the probes' destination. */
    static final List<String> TEST_NETS = List.of("192.0.2.1", "198.51.100.1", "203.0.113.1");
    /** The name looked up; {@code .invalid} exists nowhere (RFC 6761). */
    static final String NAME = "streamiso-check.invalid";
    /** What the hosts file of the child answers for {@link #NAME}: seeing it means a local lookup. */
    static final String CANARY = "192.0.2.53";
    /** The UDP (and TCP) port of the probes: discard, not DNS's 53. */
    static final int PORT = 9;

    private LeakProbe() {
    }

    /** {@code LeakProbe ADDRESS NAME CANARY WAIT-SECONDS}: prints {@code connect|dns|udp OUTCOME DETAIL} lines. */
    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByAddress(literal(args[0]));
        if (!agentInstalled()) {
            System.out.println("agent missing");
            System.exit(3);
            return;
        }
        System.out.println("connect " + connect(address));
        System.out.println("dns " + lookUp(args[1], args[2], Integer.parseInt(args[3])));
        System.out.println("udp " + send(address));
        System.out.flush();
        System.exit(0);
    }

    private static boolean agentInstalled() {
        try {
            Class<?> hooks = Class.forName("org.streamiso.agent.bootstrap.InstalledAgent", false, null);
            return Boolean.TRUE.equals(hooks.getMethod("isInstalled").invoke(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private static String connect(InetAddress address) {
        try (SocketChannel channel = SocketChannel.open()) {
            Field fd = channel.getClass().getDeclaredField("fd");
            fd.setAccessible(true);
            Method connect = Class.forName("sun.nio.ch.Net").getDeclaredMethod("connect", ProtocolFamily.class,
                    FileDescriptor.class, InetAddress.class, int.class);
            connect.setAccessible(true);
            connect.invoke(null, StandardProtocolFamily.INET, fd.get(channel), address, PORT);
            return "leaked the system call connect() ran";
        } catch (InvocationTargetException e) {
            return outcome(e.getCause());
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            return "error " + oneLine(e.toString());
        }
    }

    private static String lookUp(String name, String canary, int waitSeconds) {
        CompletableFuture<InetAddress[]> lookup = CompletableFuture.supplyAsync(() -> {
            try {
                return InetAddress.getAllByName(name);
            } catch (UnknownHostException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try {
            InetAddress[] answer = lookup.get(waitSeconds, TimeUnit.SECONDS);
            for (InetAddress a : answer) {
                if (a.getHostAddress().equals(canary)) {
                    return "leaked the machine's resolver answered " + Arrays.toString(answer);
                }
            }
            return "tor answered " + answer.length + " address(es), none from the machine's resolver";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return cause instanceof UnknownHostException ? "tor " + oneLine(String.valueOf(cause.getMessage()))
                    : "error " + oneLine(String.valueOf(cause));
        } catch (TimeoutException e) {
            return "tor still waiting for Tor after " + waitSeconds + " s, never answered by the machine's resolver";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error interrupted";
        }
    }

    private static String send(InetAddress address) {
        try (DatagramSocket socket = new DatagramSocket()) {
            byte[] data = "streamiso check".getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(data, data.length, address, PORT));
            return "leaked the datagram was sent";
        } catch (IOException | RuntimeException e) {
            return outcome(e);
        }
    }

    private static String outcome(Throwable t) {
        String m = String.valueOf(t.getMessage());
        return (m.startsWith("streamiso refused") ? "refused " : "error " + t.getClass().getName() + ": ")
                + oneLine(m);
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    private static byte[] literal(String dotted) {
        byte[] b = Socks5Address.parseLiteral(dotted);
        if (b == null) {
            throw new IllegalArgumentException("address: \"" + dotted + "\" (expected: an IP literal)");
        }
        return b;
    }

    /** Runs {@link LeakProbe#main} in a child JVM under the agent arguments and reports its three outcomes. */
    static final class Runner {
        private final AgentConfig config;
        private final String agentArguments;
        private final SelfCheck.Report report;
        private final int waitSeconds;

        Runner(AgentConfig config, String agentArguments, SelfCheck.Report report, int waitSeconds) {
            this.config = config;
            this.agentArguments = agentArguments;
            this.report = report;
            this.waitSeconds = waitSeconds;
        }

        void run() {
            String address = null;
            for (String candidate : TEST_NETS) {
                try {
                    if (!config.bypass().matchesAddress(InetAddress.getByAddress(literal(candidate)))) {
                        address = candidate;
                        break;
                    }
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (address == null) {
                report.failed("bypass=" + config.bypass() + " covers the TEST-NET addresses " + String.join(", ",
                        TEST_NETS) + ", so it lets connections and datagrams to public addresses go direct, outside "
                        + "Tor; the leak probes did not run. Narrow bypass= to the local addresses that need it.");
                return;
            }
            boolean nameBypassed = config.bypass().matchesName(NAME);
            Path jar;
            try {
                jar = Path.of(SelfCheck.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (java.net.URISyntaxException | RuntimeException e) {
                report.failed("the leak probes did not run: cannot find streamiso.jar (" + e + "). Run the check as "
                        + "java -jar streamiso.jar check.");
                return;
            }
            List<String> lines;
            Path dir = null;
            try {
                dir = Files.createTempDirectory("streamiso-check");
                Path hosts = dir.resolve("hosts");
                Files.writeString(hosts, CANARY + " " + NAME + "\n", StandardCharsets.US_ASCII);
                List<String> command = new ArrayList<>();
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.add("-javaagent:" + jar + (agentArguments.isEmpty() ? "" : "=" + agentArguments));
                command.add("-Djdk.net.hosts.file=" + hosts);
                command.add("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
                command.add("-cp");
                command.add(jar.toString());
                command.add(LeakProbe.class.getName());
                command.addAll(List.of(address, NAME, CANARY, Integer.toString(waitSeconds)));
                Path out = dir.resolve("out");
                Path err = dir.resolve("err");
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .start();
                if (!p.waitFor(waitSeconds + 30L, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    report.failed("the JVM of the leak probes did not end within " + (waitSeconds + 30) + " s and was "
                            + "stopped; nothing was judged. Check that this machine is not overloaded, and run the "
                            + "check again.");
                    return;
                }
                lines = Files.readAllLines(out, StandardCharsets.UTF_8);
                if (p.exitValue() != 0 || lines.size() < 3) {
                    List<String> errLines = Files.readAllLines(err, StandardCharsets.UTF_8);
                    report.failed("the JVM of the leak probes ended with exit code " + p.exitValue() + " before it "
                            + "reported (" + String.join(" | ", lines) + (errLines.isEmpty() ? ""
                            : " | stderr: " + String.join(" | ", errLines.subList(Math.max(0, errLines.size() - 3),
                            errLines.size()))) + "). Run java -javaagent:streamiso.jar=" + agentArguments
                            + " -version to see why the agent does not start.");
                    return;
                }
            } catch (IOException e) {
                report.failed("the JVM of the leak probes could not be started (" + SelfCheck.words(e) + "); "
                        + "nothing was judged. Check that " + System.getProperty("java.home") + "/bin/java runs.");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                deleteQuietly(dir);
            }
            judgeConnect(address, field(lines, "connect"));
            judgeDns(nameBypassed, field(lines, "dns"));
            judgeUdp(address, field(lines, "udp"));
        }

        private void judgeConnect(String address, String outcome) {
            String what = "a direct connection from a JVM under these arguments to " + address + ":" + PORT
                    + " (TEST-NET), by a path no routing hook sees (sun.nio.ch.Net#connect)";
            if (outcome.startsWith("refused ")) {
                report.ok(what + ", was refused before the system call.");
            } else if (outcome.startsWith("leaked ")) {
                report.failed(what + ", was not refused: " + outcome.substring(7) + ". Please report it with the "
                        + "agent arguments and java -version.");
            } else {
                report.failed(what + " ended otherwise (" + outcome + "). Please report it with java -version.");
            }
        }

        private void judgeDns(boolean nameBypassed, String outcome) {
            String what = "a lookup of " + NAME + " in a JVM under these arguments";
            if (outcome.startsWith("tor ")) {
                report.ok(what + " never reached the machine's resolver (" + (config.dns() == AgentConfig.Dns.MAPPED
                        ? "dns=mapped: a placeholder" : "dns=remote: Tor's RESOLVE") + "; " + outcome.substring(4)
                        + ").");
            } else if (outcome.startsWith("leaked ")) {
                report.failed(what + " was answered by the machine's resolver (" + outcome.substring(7) + ")"
                        + (nameBypassed ? ": bypass=" + config.bypass() + " covers the name, so such lookups leave "
                        + "the machine. Remove the catch-all name from bypass=." : ". Please report it with the "
                        + "agent arguments and java -version."));
            } else {
                report.failed(what + " ended otherwise (" + outcome + "). Please report it with java -version.");
            }
        }

        private void judgeUdp(String address, String outcome) {
            String what = "a UDP datagram from a JVM under these arguments to " + address + ":" + PORT + " (TEST-NET)";
            if (outcome.startsWith("refused ")) {
                report.ok(what + " was refused before it left.");
            } else if (outcome.startsWith("leaked ")) {
                report.failed(what + " was sent: " + outcome.substring(7) + ". Remove udp= from the arguments (the "
                        + "default allows only bypassed destinations).");
            } else {
                report.failed(what + " ended otherwise (" + outcome + "). Please report it with java -version.");
            }
        }

        private static String field(List<String> lines, String probe) {
            for (String line : lines) {
                if (line.startsWith(probe + " ")) {
                    return line.substring(probe.length() + 1);
                }
            }
            return "no report";
        }

        private static void deleteQuietly(Path dir) {
            if (dir == null) {
                return;
            }
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // A temp folder left behind.
            }
        }
    }
}
