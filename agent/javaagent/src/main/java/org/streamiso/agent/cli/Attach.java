package org.streamiso.agent.cli;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.streamiso.agent.AgentArguments;
import org.streamiso.agent.bootstrap.AgentConfig;

/**
 * {@code java -jar streamiso.jar attach PID [AGENT-ARGUMENTS]}: loads this jar into the running JVM {@code PID}
 * through byte-buddy-agent (the JDK's Attach API), where {@code agentmain} routes every connection and lookup opened
 * from then on. The arguments are checked here first, so a bad one is reported here and nothing is loaded.
 */
final class Attach {
    private Attach() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 1 || args.length > 2) {
            err.println("streamiso attach: arguments: " + args.length + " (expected: PID and at most one word of "
                    + "agent arguments)");
            err.println(Main.USAGE);
            return 2;
        }
        String pid = args[0];
        if (!pid.matches("[1-9][0-9]{0,9}")) {
            err.println("streamiso attach: PID: \"" + pid + "\" (expected: the process id of a running JVM, as "
                    + "jcmd -l lists them)");
            return 2;
        }
        String given = args.length == 2 ? args[1] : "";
        AgentConfig config;
        try {
            config = AgentArguments.parse(given);
        } catch (IllegalArgumentException e) {
            err.println("streamiso attach: " + e.getMessage() + "; nothing was attached.");
            return 2;
        }
        // What the target gets: the config file merged in and link-jvms made absolute, since it runs elsewhere.
        String arguments = config.childArguments();
        if (arguments == null) {
            err.println("streamiso attach: a file path in the arguments holds a comma, which would end the "
                    + "argument in the target; nothing was attached. Move the file to a path without a comma.");
            return 2;
        }
        Optional<ProcessHandle> target = ProcessHandle.of(Long.parseLong(pid));
        if (target.isEmpty() || !target.get().isAlive()) {
            err.println("streamiso attach: no process has id " + pid + "; nothing was attached. Is the application "
                    + "still running? jcmd -l lists the JVMs this user may attach to.");
            return 1;
        }
        Optional<String> owner = target.get().info().user();
        String me = System.getProperty("user.name");
        if (owner.isPresent() && !owner.get().equals(me) && !"root".equals(me)) {
            err.println("streamiso attach: process " + pid + " runs as user " + owner.get() + ", this command as "
                    + me + "; the JDK lets only the same user attach, so nothing was attached. Run the command as "
                    + owner.get() + " (sudo -u " + owner.get() + " java -jar streamiso.jar attach " + pid + " ...).");
            return 1;
        }
        File jar;
        try {
            jar = Path.of(Attach.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toFile();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            err.println("streamiso attach: cannot find streamiso.jar (" + e + "); nothing was attached. Run it as "
                    + "java -jar streamiso.jar attach.");
            return 1;
        }
        try {
            ByteBuddyAgent.attach(jar, pid, arguments.isEmpty() ? null : arguments);
        } catch (RuntimeException e) {
            err.println("streamiso attach: " + refusal(pid, e));
            return 1;
        }
        String socksPort = config.socksPortText();
        out.println("streamiso: attached to JVM " + pid + (arguments.isEmpty() ? "" : " with " + arguments)
                + ": its new connections and lookups go through SocksPort " + socksPort + " from now on.");
        out.println("streamiso: connections it opened before stay direct, and keep-alive pools (HTTP clients, database "
                + "pools) keep sending requests over them outside Tor; restart it with -javaagent:" + jar
                + (arguments.isEmpty() ? "" : "=" + arguments) + " for every request to go through Tor.");
        out.println("streamiso: what it refuses from now on is logged on its standard error and summed up there at "
                + "exit (leak report); attach with log=debug for one line per routed connection.");
        out.println("streamiso: on JDK 21 and later it prints a warning about a dynamically loaded agent (JEP 451); "
                + "start it with -XX:+EnableDynamicAgentLoading to allow attaching, which a later JDK may require.");
        return 0;
    }

    /** The refusal in words: what happened, that nothing was attached, the likely cause and one fix. */
    static String refusal(String pid, Throwable e) {
        StringBuilder chain = new StringBuilder();
        String rootType = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.lang.reflect.InvocationTargetException) {
                continue;
            }
            String m = t.getMessage();
            rootType = t.getClass().getSimpleName();
            if (m != null && !m.isEmpty() && chain.indexOf(m) < 0 && !m.startsWith("Error during attachment")) {
                chain.append(chain.length() == 0 ? "" : ": ").append(m);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        String what = chain.length() == 0 ? rootType : rootType + ": " + chain;
        if (what.contains("does not support the attach mechanism")) {
            return "JVM " + pid + " refuses attaching (" + what + "); nothing was attached. It was started with "
                    + "-XX:+DisableAttachMechanism: restart it without that option, or with -javaagent:streamiso.jar.";
        }
        if (rootType.equals("AgentInitializationException") || what.contains("agentmain")) {
            return "the agent did not start in JVM " + pid + " (" + what + "); nothing was routed. Its standard error "
                    + "says why, in a line that starts with streamiso: (another set of arguments already in force, or "
                    + "a JDK older than 17).";
        }
        if (rootType.equals("AgentLoadException")) {
            return "JVM " + pid + " could not load the agent (" + what + "); nothing was attached. Is it a JDK 17 or "
                    + "later, and may it read streamiso.jar?";
        }
        if (what.contains("jdk.attach") || what.contains("com.sun.tools.attach") || rootType.equals("ClassNotFoundException")) {
            return "this java cannot attach (" + what + "): it lacks the jdk.attach module; nothing was attached. Run "
                    + "the command with a full JDK's java.";
        }
        return "JVM " + pid + " did not accept the attach (" + what + "); nothing was attached. Likely cause: it is "
                + "not a HotSpot JVM, runs as another user or in another container, or was started with "
                + "-XX:+DisableAttachMechanism; check with jcmd " + pid + " VM.version.";
    }
}
