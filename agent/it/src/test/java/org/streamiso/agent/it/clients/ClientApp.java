package org.streamiso.agent.it.clients;

import java.util.concurrent.Callable;

/**
 * The shared end of every real-client application: one line {@code OK RESULT} and exit code 0 when it succeeded,
 * {@code EXC EXCEPTION} (each cause on a {@code CAUSE} line, the stack trace on standard error) and exit code 1 when
 * it failed.
 */
final class ClientApp {
    private ClientApp() {
    }

    static void run(Callable<String> work) {
        try {
            System.out.println("OK " + work.call());
            System.out.flush();
            System.exit(0);
        } catch (Throwable e) {
            System.out.println("EXC " + e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                System.out.println("CAUSE " + c);
            }
            e.printStackTrace();
            System.out.flush();
            System.exit(1);
        }
    }
}
