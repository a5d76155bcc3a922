package org.streamiso.agent.bootstrap;

/**
 * Where the isolation API ({@code org.streamiso.isolation.StreamIsolation}, in the application's own class loader)
 * reaches the agent: it finds this class on the bootstrap class path by name and calls these methods through method
 * handles. The API jar has no dependency on the agent, and without the agent this class is not there.
 *
 * <p><b>Important:</b> {@link #connect} is the version check: an API version the agent does not serve gets a message
 * that the API throws from every call, never a silent no-op while the agent runs.
 */
public final class ApiBridge {
    /** The API versions this agent serves: from 1 to this one. */
    public static final int API_VERSION = 1;

    private ApiBridge() {
    }

    /** Null when the agent serves {@code apiVersion}, else why not, in words for an IllegalStateException. */
    public static String connect(int apiVersion) {
        if (apiVersion >= 1 && apiVersion <= API_VERSION) {
            return null;
        }
        return "the streamiso agent in this JVM serves isolation API versions 1 to " + API_VERSION + ", but the "
                + "application's streamiso-api jar is version " + apiVersion + "; no scope can be kept apart. Use the "
                + "streamiso-api jar of the agent's release (or a newer agent).";
    }

    /**
     * Enters a scope on the current thread, or leaves every scope when {@code scope} is null (a wrapped task of no
     * scope on a pool thread that inherited one); returns the scope it replaced (null: none), for {@link #exit}.
     */
    public static String enter(String scope) {
        String previous = Isolation.CURRENT_SCOPE.get();
        if (scope == null) {
            Isolation.CURRENT_SCOPE.remove();
        } else {
            Isolation.CURRENT_SCOPE.set(scope);
        }
        return previous;
    }

    /** Leaves the scope entered last, going back to {@code previous}. */
    public static void exit(String previous) {
        if (previous == null) {
            Isolation.CURRENT_SCOPE.remove();
        } else {
            Isolation.CURRENT_SCOPE.set(previous);
        }
    }

    /** The current thread's scope, or null. */
    public static String current() {
        return Isolation.CURRENT_SCOPE.get();
    }

    /** A new identity for one scope: its later streams get new credentials, every other key keeps its own. */
    public static void renew(String scope) {
        InstalledAgent.router().socksPort().isolation().renew(scope);
        if (Log.isEnabled(Log.Level.INFO)) {
            Log.info("renewed the identity of scope " + Log.scrub(scope) + ": its next streams get new circuits.");
        }
    }

    /** The SocksPort, the isolation modes and the application's name. */
    public static String[] status() {
        SocksPort socks = InstalledAgent.router().socksPort();
        return new String[] {socks.text(), socks.isolation().modesText(), socks.isolation().app()};
    }
}
