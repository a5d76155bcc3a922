package org.streamiso.agent;

import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import org.streamiso.agent.bootstrap.AgentConfig;
import org.streamiso.agent.bootstrap.InstalledAgent;
import org.streamiso.agent.bootstrap.Log;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.JdkTransformer;
import org.streamiso.agent.instrument.datagram.DatagramInstrumentation;
import org.streamiso.agent.instrument.dns.InetAddressResolverInstrumentation;
import org.streamiso.agent.instrument.nativepath.InetAddressInstrumentation;
import org.streamiso.agent.instrument.nativepath.RuntimeInstrumentation;
import org.streamiso.agent.instrument.nativepath.SctpNetInstrumentation;
import org.streamiso.agent.instrument.process.ProcessInstrumentation;
import org.streamiso.agent.instrument.socket.NetInstrumentation;
import org.streamiso.agent.instrument.socket.SocketChannelInstrumentation;
import org.streamiso.agent.instrument.socket.SocketImplInstrumentation;

/**
 * The agent's entry point: checks the arguments, opens the JDK's socket packages to the hooks, puts the
 * resolver guard in place and rewrites the JDK's connect methods.
 *
 * <p><b>Important:</b> fail closed. Any problem here (a bad argument, a JDK method that is not where it
 * is expected) stops the JVM before {@code main}: a JVM that does not start beats one that leaks.
 */
public final class StreamisoAgent {
    private StreamisoAgent() {
    }

    /** {@code -javaagent:streamiso.jar=ARGS}. */
    public static void premain(String arguments, Instrumentation inst) {
        try {
            start(arguments, inst);
        } catch (RuntimeException e) {
            System.err.println("streamiso: " + e.getMessage() + System.lineSeparator()
                    + "streamiso: the JVM is stopped so that nothing connects outside Tor.");
            System.err.flush();
            Runtime.getRuntime().halt(2);
        }
    }

    /**
     * Loading into a running JVM: connections opened before it are not affected, and keep carrying new requests
     * directly where a pool keeps them alive. A bad argument makes the attach fail with the same message.
     */
    public static void agentmain(String arguments, Instrumentation inst) {
        start(arguments, inst);
        Log.warn("attached to a running JVM: new connections and lookups go through SocksPort "
                + InstalledAgent.router().config().socksPortText() + " from now on, but connections opened before now "
                + "stay direct, and keep-alive pools (HTTP clients, database pools) keep sending new requests over them "
                + "outside Tor. Restart the application with -javaagent, or close its connection pools, for every "
                + "request to go through Tor.");
    }

    static void start(String arguments, Instrumentation inst) {
        ensureOnBootClassPath(inst);
        AgentConfig config = AgentArguments.parse(arguments);
        if (InstalledAgent.isInstalled()) {
            checkSameAsInstalled(config);
            return;
        }
        // The bootstrap part's unnamed module, which every hook package (and this class) is in.
        Module hooks = InstalledAgent.class.getModule();
        inst.redefineModule(Object.class.getModule(), Set.of(hooks), Map.of(),
                Map.of("java.net", Set.of(hooks), "sun.nio.ch", Set.of(hooks), "java.lang", Set.of(hooks)), Set.of(),
                Map.of());
        java.util.Optional<Module> sctp = ModuleLayer.boot().findModule("jdk.sctp");
        if (sctp.isPresent()) {
            inst.redefineModule(sctp.get(), Set.of(hooks), Map.of(), Map.of(), Set.of(), Map.of());
        }
        InstalledAgent.install(config, new FirstParty());
        InetAddressResolverInstrumentation.install(InstalledAgent.router());

        List<HookPoint> points = hookPoints();
        checkOnBootClassPath(points);
        JdkTransformer transformer = new JdkTransformer(points);
        inst.addTransformer(transformer, true);
        rewriteNow(inst, transformer);
        Log.info("routing every TCP connection and every name lookup through SocksPort " + config.socksPortText()
                + "; in force: " + describe(config));
    }

    /**
     * A second copy of the agent in one JVM (say, from {@code JAVA_TOOL_OPTIONS} and the command line) does nothing
     * when its arguments are those in force, and stops the JVM when they differ: which of the two the user meant
     * cannot be told.
     */
    private static void checkSameAsInstalled(AgentConfig config) {
        AgentConfig installed = InstalledAgent.router().config();
        if (!java.util.Objects.equals(installed.childArguments(), config.childArguments())) {
            throw new IllegalArgumentException("-javaagent: streamiso is loaded twice in this JVM with different "
                    + "arguments (JAVA_TOOL_OPTIONS and the command line?), and only the first are in force (expected: "
                    + "the agent once, or twice with the same arguments)");
        }
        Log.info("streamiso is loaded twice in this JVM with the same arguments; the second copy does nothing");
    }

    /**
     * Every setting in force, defaults included, as {@code key=value} pairs: what an empty argument string or a
     * partial one means, in one line.
     */
    static String describe(AgentConfig config) {
        java.util.Locale root = java.util.Locale.ROOT;
        String host = config.socksPort().getAddress().getHostAddress();
        return "port=" + config.socksPort().getPort() + ", host=" + host + ", bypass=" + config.bypass() + ", dns="
                + config.dns().name().toLowerCase(root) + ", dns-server=" + (config.dnsServer() ? "on" : "off")
                + ", udp=" + config.udp().name().toLowerCase(root) + ", timeout="
                + config.timeoutSeconds() + ", isolate=" + isolateText(config) + ", app=" + config.app()
                + (config.linkSecret() == null ? "" : ", link-jvms=(a secret shared with other JVMs)") + ", log="
                + config.logLevel().name().toLowerCase(root) + ", safe-logging=" + (config.safeLogging() ? "1" : "0")
                + ", exec=" + config.exec().word();
    }

    private static String isolateText(AgentConfig config) {
        StringBuilder b = new StringBuilder("app");
        for (org.streamiso.agent.bootstrap.Isolation.Mode m : config.isolate()) {
            if (m != org.streamiso.agent.bootstrap.Isolation.Mode.APP) {
                b.append('+').append(m.word());
            }
        }
        return b.toString();
    }

    /** Every hook point, of every JDK 17 to 25; those of classes a JDK lacks are skipped when rewriting. */
    static List<HookPoint> hookPoints() {
        List<HookPoint> points = new ArrayList<>();
        points.addAll(SocketImplInstrumentation.hookPoints());
        points.addAll(SocketChannelInstrumentation.hookPoints());
        points.addAll(NetInstrumentation.hookPoints());
        points.addAll(DatagramInstrumentation.hookPoints());
        points.addAll(InetAddressInstrumentation.hookPoints());
        points.addAll(RuntimeInstrumentation.hookPoints());
        points.addAll(SctpNetInstrumentation.hookPoints());
        points.addAll(ProcessInstrumentation.hookPoints());
        return points;
    }

    /**
     * Every hook's class must be a bootstrap class: the injected call inside {@code java.base} resolves it through
     * the bootstrap class loader, and a class missing there would fail only at the first connect. Naming the classes
     * here loads them (without initialising them), so a missing one stops premain instead.
     */
    private static void checkOnBootClassPath(List<HookPoint> points) {
        for (HookPoint p : points) {
            if (p.hookOwner().getClassLoader() != null) {
                throw new IllegalStateException("the hook class " + p.hookOwner().getName() + " of "
                        + p.displayName() + " is not a bootstrap class, so the JDK code that calls it could not find "
                        + "it; nothing was instrumented. Load streamiso.jar whole on the bootstrap class path, as its "
                        + "manifest's Boot-Class-Path does.");
            }
        }
    }

    /**
     * JDK 17's legacy socket implementations, removed in JDK 18, and SCTP, whose module a runtime built with
     * jlink may leave out (then no SCTP socket can be opened at all).
     */
    static boolean isRemovedFromThisJdk(String internalName) {
        return internalName.startsWith("java/net/AbstractPlain") && Runtime.version().feature() >= 18
                || internalName.startsWith("sun/nio/ch/sctp/") && ModuleLayer.boot().findModule("jdk.sctp").isEmpty();
    }

    /**
     * Loads (without initialising) each JDK class that holds a hook point, or retransforms it if it is
     * loaded already, and checks that every hook went in. Classes missing from this JDK (the JDK 17
     * legacy socket implementations on 18+) are skipped.
     */
    private static void rewriteNow(Instrumentation inst, JdkTransformer transformer) {
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.getClassLoader() == null && transformer.classNames().contains(c.getName().replace('.', '/'))) {
                loaded.add(c);
            }
        }
        if (!loaded.isEmpty()) {
            try {
                inst.retransformClasses(loaded.toArray(new Class<?>[0]));
            } catch (UnmodifiableClassException e) {
                throw new IllegalStateException("cannot rewrite " + e.getMessage() + " (" + e + ")", e);
            }
        }
        for (String internalName : transformer.classNames()) {
            Class<?> c;
            try {
                c = Class.forName(internalName.replace('/', '.'), false, null);
            } catch (ClassNotFoundException e) {
                if (isRemovedFromThisJdk(internalName)) {
                    continue;
                }
                throw new IllegalStateException(internalName.replace('/', '.') + " is missing from this JDK ("
                        + System.getProperty("java.version") + "); streamiso supports JDK 17 to 25 on Linux", e);
            }
            Throwable failure = transformer.failureOf(internalName);
            for (HookPoint p : transformer.pointsOf(internalName)) {
                if (failure != null || !transformer.isApplied(p)) {
                    throw new IllegalStateException("cannot hook " + p.displayName() + p.descriptor() + " in "
                            + c.getName() + " of JDK " + System.getProperty("java.version")
                            + (failure == null ? ": the method is not there" : ": " + failure)
                            + "; streamiso supports JDK 17 to 25", failure);
                }
            }
        }
    }

    /**
     * The manifest's Boot-Class-Path names {@code streamiso.jar} next to the agent jar, and then every class
     * of the agent, this one included, is a bootstrap class. Under another file name that does not take
     * effect, so the jar is appended to the bootstrap search path here instead, before any class of the
     * bootstrap part is loaded (the JDK then prints a class-sharing warning).
     */
    private static void ensureOnBootClassPath(Instrumentation inst) {
        if (StreamisoAgent.class.getClassLoader() == null) {
            return;
        }
        try {
            String jar = java.nio.file.Path.of(StreamisoAgent.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI()).toString();
            inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
        } catch (java.io.IOException | java.net.URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("the agent jar is not on the bootstrap class path and cannot be added ("
                    + e + "); nothing was instrumented. Name the jar streamiso.jar, as its manifest expects.", e);
        }
    }
}
