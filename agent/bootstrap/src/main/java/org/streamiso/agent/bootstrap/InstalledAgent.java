package org.streamiso.agent.bootstrap;

import java.util.function.UnaryOperator;

/**
 * The one holder of the bootstrap part's globals: the {@link Router} and the {@link ChildProcesses} planner that
 * premain builds once, and that every hook (in the packages {@code socket}, {@code datagram}, {@code dns},
 * {@code nativepath} and {@code process}, beside the instrumentation of the same concern) reads.
 *
 * <p><b>Important:</b> loaded by the bootstrap class loader. A hook that runs before premain finished finds no
 * router and throws, so that nothing connects, resolves or starts unrouted.
 */
public final class InstalledAgent {
    private static volatile Router router;
    private static volatile ChildProcesses children;

    private InstalledAgent() {
    }

    /**
     * Installs the routing decisions; called once by premain, before any class is instrumented.
     *
     * @param firstParty the registrable domain of a host name, for {@code isolate=first-party}; called only then,
     *                   and first at a connection, never in premain
     */
    public static void install(AgentConfig config, UnaryOperator<String> firstParty) {
        Log.configure(config.logLevel(), config.safeLogging());
        Isolation isolation = new Isolation(config.app(), config.isolate(), config.linkSecret(), firstParty);
        children = new ChildProcesses(config.exec(), config.childArguments(), config.socksPort(), isolation, null,
                null);
        router = new Router(config, isolation);
    }

    /** Whether premain installed the agent already: a second copy of the agent in this JVM finds it so. */
    public static boolean isInstalled() {
        return router != null;
    }

    /** The installed router; throws if premain did not finish, so that nothing connects unrouted. */
    public static Router router() {
        Router r = router;
        if (r == null) {
            throw new IllegalStateException("streamiso is not configured; refusing to connect");
        }
        return r;
    }

    /** The installed router, or null before premain finished: for hooks that merely observe. */
    public static Router routerOrNull() {
        return router;
    }

    /** The child-process planner; throws if premain did not finish, so that nothing starts unwrapped. */
    public static ChildProcesses children() {
        router();
        return children;
    }
}
