package org.streamiso.agent.bootstrap;

import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * What becomes of a program the application starts ({@code ProcessBuilder.start}, {@code Runtime.exec}), as the
 * {@code exec} argument says: a child {@code java} gets this agent with the same arguments and its own isolation
 * identity, any other program runs under {@code torsocks} with isolation credentials of its own, or the start is
 * refused, or (only under {@code exec=allow}) the program starts unchanged and the start is logged as a leak.
 *
 * <p><b>Important:</b> fail closed. A program is never started unwrapped as a fallback: where torsocks or the
 * agent's jar cannot be found, the start fails with an {@link IOException} and nothing runs.
 *
 * <p><b>Important:</b> bootstrap class, called from {@code java.lang.ProcessImpl#start}; nothing here runs in
 * premain but the constructor, which only keeps its arguments.
 */
public final class ChildProcesses {
    /** The {@code exec} argument. */
    public enum Exec {
        /** A {@code java} child gets the agent, any other program runs under torsocks (the default). */
        INHERIT("inherit"),
        /** Every child runs under torsocks, {@code java} included (contained by torsocks, without the agent). */
        TORSOCKS("torsocks"),
        /** No child process starts at all. */
        REFUSE("refuse"),
        /** Children start unchanged, outside Tor; every start is logged as a leak. */
        ALLOW("allow");

        private final String word;

        Exec(String word) {
            this.word = word;
        }

        /** The value as the {@code exec} argument writes it. */
        public String word() {
            return word;
        }

        /** The value of a word of the {@code exec} argument, or null. */
        public static Exec of(String word) {
            for (Exec e : values()) {
                if (e.word.equals(word)) {
                    return e;
                }
            }
            return null;
        }
    }

    /** The environment variables that torsocks reads and that this class sets or removes for a child. */
    static final String CONF_FILE = "TORSOCKS_CONF_FILE";
    static final String TOR_ADDRESS = "TORSOCKS_TOR_ADDRESS";
    static final String TOR_PORT = "TORSOCKS_TOR_PORT";
    static final String USERNAME = "TORSOCKS_USERNAME";
    static final String PASSWORD = "TORSOCKS_PASSWORD";
    /**
     * Removed from a torsocks child's environment: inbound connections stay refused, and a per-process key of
     * torsocks' own would clash with the credentials given here (torsocks then refuses to start).
     */
    static final List<String> REMOVED = List.of("TORSOCKS_ALLOW_INBOUND", "TORSOCKS_ISOLATE_PID");
    /** The environment variables through which a JVM is given options besides its command line. */
    static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
    private static final String AGENT_OPTION = "-javaagent:";
    private static final String JAR_NAME = "streamiso.jar";

    /** Set while this class starts a rewritten command, so that the hook lets that start through. */
    private static final ThreadLocal<Boolean> STARTING = new ThreadLocal<>();

    private final Exec exec;
    private final String childArguments;
    private final InetSocketAddress socksPort;
    private final Isolation isolation;
    private final String searchPath;
    private volatile String agentJar;
    private String torsocksConf;

    /**
     * @param exec           the {@code exec} argument
     * @param childArguments the agent arguments a child JVM gets, or null when they cannot be passed on (a path
     *                       with a comma)
     * @param socksPort      the SocksPort that torsocks children use
     * @param isolation      makes each torsocks child's credentials
     * @param searchPath     where torsocks and programs named without a slash are looked up (as the JDK looks a
     *                       program up in the parent's PATH, not the child's); null reads this JVM's {@code PATH} at
     *                       each lookup (reading the environment in premain would cost start-up time)
     * @param agentJar       the agent's jar, absolute; null finds it from this class's own location at first use
     */
    public ChildProcesses(Exec exec, String childArguments, InetSocketAddress socksPort,
            Isolation isolation, String searchPath, String agentJar) {
        this.exec = exec;
        this.childArguments = childArguments;
        this.socksPort = socksPort;
        this.isolation = isolation;
        this.searchPath = searchPath;
        this.agentJar = agentJar;
    }

    public Exec exec() {
        return exec;
    }

    /** What to start in place of a command: the command, and the environment variables to set and to remove. */
    public static final class Plan {
        private final String[] command;
        private final Map<String, String> set;
        private final List<String> removed;

        Plan(String[] command, Map<String, String> set, List<String> removed) {
            this.command = command;
            this.set = set;
            this.removed = removed;
        }

        public String[] command() {
            return command.clone();
        }

        /** The variables to set in the child's environment (empty: the environment stays as given). */
        public Map<String, String> set() {
            return set;
        }

        public List<String> removed() {
            return removed;
        }
    }

    /**
     * Decides what to start for {@code command}: null to start it unchanged (under {@code exec=allow}, logged as a
     * leak; or a {@code java} child that names streamiso's agent itself), else the plan.
     *
     * @param command     the program and its arguments, as the application gave them
     * @param environment the child's environment as the application gave it, or null for this JVM's own
     * @throws IOException when the start is refused; nothing is started then
     */
    public Plan plan(String[] command, Map<String, String> environment) throws IOException {
        String program = command[0];
        Map<String, String> env = environment == null ? System.getenv() : environment;
        switch (exec) {
            case ALLOW:
                LeakReport.allowedChild(name(program));
                return null;
            case REFUSE:
                throw refused(program, "exec=refuse allows no child process", "Set exec=inherit to start it inside "
                        + "Tor (java with this agent, any other program under torsocks).");
            case INHERIT:
                if (isJava(program)) {
                    return namesAgent(command, env) ? null : javaPlan(command);
                }
                return torsocksPlan(command);
            case TORSOCKS:
                return torsocksPlan(command);
            default:
                throw new IllegalStateException(exec.toString());
        }
    }

    /**
     * Whether a program is a JVM that takes this agent: its file name is {@code java} ({@code java},
     * {@code /usr/bin/java}, {@code $JAVA_HOME/bin/java}, this JVM's own). Other launchers of the JDK
     * ({@code jshell}, {@code javac}, {@code keytool}) and scripts that start java are other programs: they run
     * under torsocks. There is no {@code javaw} on Linux.
     */
    static boolean isJava(String program) {
        return name(program).equals("java");
    }

    /** A program's file name: what follows the last slash. */
    static String name(String program) {
        return program.substring(program.lastIndexOf('/') + 1);
    }

    private Plan javaPlan(String[] command) throws IOException {
        if (childArguments == null) {
            throw refused(command[0], "a child JVM gets this agent's arguments, and a file path among them (config=, "
                    + "link-jvms=, made absolute) contains a comma, which ends an agent argument", "Give the agent its "
                    + "files by paths without commas.");
        }
        String jar = agentJar();
        if (jar == null) {
            throw refused(command[0], "a child JVM gets this agent, and the agent's own jar file was not found",
                    "Start this JVM with -javaagent:/path/to/streamiso.jar.");
        }
        String[] rewritten = new String[command.length + 1];
        rewritten[0] = command[0];
        rewritten[1] = AGENT_OPTION + jar + (childArguments.isEmpty() ? "" : "=" + childArguments);
        System.arraycopy(command, 1, rewritten, 2, command.length - 1);
        Log.info("starting a child JVM (" + name(command[0]) + ") with this agent and its own isolation identity");
        return new Plan(rewritten, Map.of(), List.of());
    }

    private Plan torsocksPlan(String[] command) throws IOException {
        String torsocks = find("torsocks");
        if (torsocks == null) {
            throw refused(command[0], "exec=" + exec.word() + " runs " + (exec == Exec.INHERIT ? "every program but "
                    + "java" : "every program") + " under torsocks, and no torsocks was found on this JVM's PATH",
                    "Install torsocks (Debian: apt-get install torsocks) on the PATH of this JVM.");
        }
        String program = command[0];
        if (program.indexOf('/') < 0) {
            String found = find(program);
            if (found == null) {
                // As the JDK itself fails for a program it cannot find; ProcessBuilder adds "Cannot run program".
                throw new IOException("error=2, No such file or directory (streamiso looked for it on this JVM's "
                        + "PATH to start it under torsocks)");
            }
            program = found;
        }
        String[] rewritten = new String[command.length + 1];
        rewritten[0] = torsocks;
        rewritten[1] = program;
        System.arraycopy(command, 1, rewritten, 2, command.length - 1);
        Socks5PasswordAuthRequest credentials = isolation.processCredentials(name(program));
        Map<String, String> set = new LinkedHashMap<>();
        set.put(CONF_FILE, torsocksConf());
        set.put(TOR_ADDRESS, socksPort.getAddress().getHostAddress());
        set.put(TOR_PORT, Integer.toString(socksPort.getPort()));
        set.put(USERNAME, credentials.username());
        set.put(PASSWORD, credentials.password());
        Log.info("starting " + name(program) + " under torsocks with isolation credentials of its own");
        return new Plan(rewritten, set, REMOVED);
    }

    /**
     * Whether the child's command line or its JVM option variables already name streamiso's agent (a jar named
     * {@code streamiso.jar}, or this agent's own): the application chose its child's agent arguments, which are
     * left alone; a second copy would load the agent twice.
     */
    boolean namesAgent(String[] command, Map<String, String> env) {
        for (int i = 1; i < command.length; i++) {
            if (isAgentOption(command[i])) {
                return true;
            }
        }
        for (String variable : JVM_OPTION_VARIABLES) {
            String value = env.get(variable);
            if (value != null) {
                for (String option : options(value)) {
                    if (isAgentOption(option)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The options of a JVM option variable: split at white space outside quotes, quotes removed, as HotSpot does. */
    static List<String> options(String value) {
        List<String> options = new java.util.ArrayList<>();
        StringBuilder b = new StringBuilder();
        char quote = 0;
        boolean inOption = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    b.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inOption = true;
            } else if (Character.isWhitespace(c)) {
                if (inOption) {
                    options.add(b.toString());
                    b.setLength(0);
                    inOption = false;
                }
            } else {
                b.append(c);
                inOption = true;
            }
        }
        if (inOption) {
            options.add(b.toString());
        }
        return options;
    }

    private boolean isAgentOption(String option) {
        if (!option.startsWith(AGENT_OPTION)) {
            return false;
        }
        int eq = option.indexOf('=');
        String jar = option.substring(AGENT_OPTION.length(), eq < 0 ? option.length() : eq);
        return name(jar).equals(JAR_NAME) || jar.equals(agentJar);
    }

    /** An executable regular file of this name in {@link #searchPath}, or null; no shell is run. */
    String find(String name) {
        String path = searchPath != null ? searchPath : System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(File.pathSeparator, -1)) {
            File f = new File(dir.isEmpty() ? "." : dir, name);
            if (f.isFile() && f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    /**
     * The torsocks configuration file of this JVM's children, written at the first one: the SocksPort, no inbound
     * connections, none to loopback, no UDP (torsocks' own defaults, stated so that the machine's
     * {@code /etc/tor/torsocks.conf} cannot loosen them; an empty file or none would make torsocks warn on every
     * start). Deleted when this JVM exits; a grandchild started later finds none, and torsocks' defaults and the
     * environment's address, port and credentials still hold.
     */
    private synchronized String torsocksConf() throws IOException {
        if (torsocksConf == null) {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("streamiso-torsocks-", ".conf"); // 0600
            file.toFile().deleteOnExit();
            java.nio.file.Files.writeString(file, "# streamiso: torsocks settings for the child processes of JVM "
                    + ProcessHandle.current().pid() + "\nTorAddress " + socksPort.getAddress().getHostAddress()
                    + "\nTorPort " + socksPort.getPort() + "\nAllowInbound 0\nAllowOutboundLocalhost 0\n");
            torsocksConf = file.toString();
        }
        return torsocksConf;
    }

    /** The agent's jar, from the location of this class (a bootstrap class, so it has no code source). */
    private String agentJar() {
        String jar = agentJar;
        if (jar == null) {
            java.net.URL url = ChildProcesses.class.getResource("ChildProcesses.class");
            String s = url == null ? "" : url.toString();
            int bang = s.indexOf("!/");
            if (s.startsWith("jar:file:") && bang > 0) {
                try {
                    jar = new File(new java.net.URI(s.substring("jar:".length(), bang))).getAbsolutePath();
                } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                    jar = null;
                }
            }
            agentJar = jar;
        }
        return jar;
    }

    private static IOException refused(String program, String why, String fix) {
        String message = "streamiso refused to start " + name(program) + ": " + why + "; nothing was started. " + fix;
        LeakReport.refused(LeakReport.Kind.PROCESS, "ProcessBuilder.start", message);
        return new IOException(message);
    }

    /**
     * {@code java.lang.ProcessImpl#start} with the plan's command and environment: the environment is a copy of
     * the one the application gave (or of this JVM's), never the application's own map, which its
     * {@code ProcessBuilder} keeps.
     */
    public static Process start(Plan plan, Map<String, String> environment, String dir,
            ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream) throws IOException {
        Map<String, String> env = environment;
        if (!plan.set.isEmpty() || !plan.removed.isEmpty()) {
            env = new ProcessBuilder().environment(); // the JDK's own map type, which ProcessImpl requires
            if (environment != null) {
                env.clear();
                env.putAll(environment);
            }
            env.keySet().removeAll(plan.removed);
            env.putAll(plan.set);
        }
        STARTING.set(Boolean.TRUE);
        try {
            return (Process) Impl.START.invokeExact(plan.command(), env, dir, redirects, redirectErrorStream);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            STARTING.remove();
        }
    }

    /** Whether the current thread is inside {@link #start}: that start is the rewritten one. */
    public static boolean isStarting() {
        return STARTING.get() != null;
    }

    /** The handle of ProcessImpl's start, looked up at the first child process (premain opened java.lang). */
    private static final class Impl {
        static final MethodHandle START;

        static {
            try {
                Class<?> impl = Class.forName("java.lang.ProcessImpl", false, null);
                START = MethodHandles.privateLookupIn(impl, MethodHandles.lookup()).findStatic(impl, "start",
                        MethodType.methodType(Process.class, String[].class, Map.class, String.class,
                                ProcessBuilder.Redirect[].class, boolean.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    @Override
    public String toString() {
        return "exec=" + exec.word();
    }
}
