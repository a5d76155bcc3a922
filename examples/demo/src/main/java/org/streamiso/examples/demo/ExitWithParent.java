package org.streamiso.examples.demo;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs another program's {@code main} and exits when standard input ends: the demo starts proxy-core through it and
 * keeps the pipe to its standard input open, so when the demo's JVM ends in any way (even {@code kill -9}) the pipe
 * closes and proxy-core stops too (through its own shutdown hook), leaving no process behind.
 *
 * <p>{@code java -cp proxy-core.jar:demo.jar org.streamiso.examples.demo.ExitWithParent MAIN-CLASS [ARG ...]}
 */
public final class ExitWithParent {
    private ExitWithParent() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: ExitWithParent MAIN-CLASS [ARG ...]");
            System.exit(2);
        }
        Thread watch = new Thread(() -> {
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            try {
                while (in.read(buffer) >= 0) {
                    // The parent writes nothing; anything it does write is ignored.
                }
            } catch (IOException e) {
                // The pipe broke: the parent is gone just the same.
            }
            System.exit(0);
        }, "exit-with-parent");
        watch.setDaemon(true);
        watch.start();
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }
}
