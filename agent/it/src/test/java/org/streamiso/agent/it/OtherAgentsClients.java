package org.streamiso.agent.it;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.lang.instrument.Instrumentation;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.dynamic.loading.ClassReloadingStrategy;
import net.bytebuddy.implementation.FixedValue;

/**
 * An unmodified application for {@link AgentWithOtherAgentsTest}: one that instruments itself at run time, as a
 * test suite does with Mockito's inline mock maker and its own byte-buddy, and then fetches over the JDK's three
 * commonest TCP paths; each step prints {@code OK <what it got>} or {@code EXC <exception>} (and {@code CAUSE}
 * lines).
 *
 * <p>Usage: {@code OtherAgentsClients MODE BASE PORT}. MODE {@code mockito} mocks (a final class of its own, an
 * interface, and {@link InetAddress} and {@link Socket}, which the agent rewrites or uses), looks
 * {@code lookup.BASE} up, redefines a class of its own through {@link ByteBuddyAgent#install()}, and then fetches;
 * MODE {@code fetch} only fetches. Each fetch is {@code http://KIND.BASE:PORT/KIND} for each KIND of
 * {@link #FETCHES}, or {@code http://BASE:PORT/KIND} where BASE is an address literal (a run without the agent).
 */
public final class OtherAgentsClients {
    /** The JDK paths fetched, as {@link Clients#fetch} names them. */
    public static final List<String> FETCHES = List.of("socket", "url-connection", "http-client-sync");

    /** The steps of MODE {@code mockito} before the fetches, one {@code OK} line each. */
    public static final List<String> MOCKITO_STEPS = List.of("mock-final-class", "mock-interface",
            "mock-inet-address", "mock-socket", "byte-buddy-redefine");

    private OtherAgentsClients() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String base = args[1];
        int port = Integer.parseInt(args[2]);
        if (mode.equals("mockito")) {
            // Its own class, so that a fetch-only run needs neither Mockito nor byte-buddy on its class path.
            SelfInstrumenting.run(base);
        } else if (!mode.equals("fetch")) {
            throw new IllegalArgumentException("mode: " + mode + " (expected: mockito or fetch)");
        }
        for (String kind : FETCHES) {
            Clients.report(() -> "fetch " + kind + " " + greeting(Clients.fetch(kind, kind, host(kind, base), port)));
        }
    }

    /** The host a step of this kind asks for. */
    static String host(String kind, String base) {
        return Character.isDigit(base.charAt(0)) ? base : kind + "." + base;
    }

    /** The line of the web server's answer, without the HTTP status and headers before it. */
    private static String greeting(String response) {
        for (String line : response.split("\r?\n")) {
            if (line.startsWith(TestWebServer.GREETING)) {
                return line;
            }
        }
        throw new IllegalStateException("no greeting in the response: " + response);
    }

    /** The application's own instrumentation: Mockito's inline mock maker, then byte-buddy through its own agent. */
    static final class SelfInstrumenting {
        private SelfInstrumenting() {
        }

        static void run(String base) {
            Clients.report(() -> {
                // Only the inline mock maker (Mockito 5's default) can mock a final class.
                Greeter greeter = mock(Greeter.class);
                when(greeter.greet()).thenReturn("mocked");
                String got = greeter.greet();
                verify(greeter).greet();
                return "mock-final-class " + expect("mocked", got) + " " + expect("hello", new Greeter().greet());
            });
            Clients.report(() -> {
                @SuppressWarnings("unchecked")
                List<String> list = mock(List.class);
                when(list.get(0)).thenReturn("stubbed");
                String got = list.get(0);
                verify(list).get(0);
                return "mock-interface " + expect("stubbed", got);
            });
            Clients.report(() -> {
                // Retransforms InetAddress, which the agent rewrote: its hooks must come back with Mockito's.
                InetAddress mocked = mock(InetAddress.class);
                when(mocked.getHostAddress()).thenReturn("192.0.2.1");
                String got = mocked.getHostAddress();
                verify(mocked).getHostAddress();
                InetAddress real = InetAddress.getByName(host("lookup", base));
                return "mock-inet-address " + expect("192.0.2.1", got) + " real " + real;
            });
            Clients.report(() -> {
                // Retransforms Socket, through which the socket fetch connects afterwards.
                Socket mocked = mock(Socket.class);
                when(mocked.getPort()).thenReturn(4242);
                int got = mocked.getPort();
                verify(mocked).getPort();
                return "mock-socket " + expect("4242", Integer.toString(got));
            });
            Clients.report(() -> {
                Instrumentation inst = ByteBuddyAgent.install();
                String before = new Foo().bar();
                new ByteBuddy().redefine(Foo.class).method(named("bar")).intercept(FixedValue.value("baz")).make()
                        .load(Foo.class.getClassLoader(), ClassReloadingStrategy.fromInstalledAgent());
                return "byte-buddy-redefine " + expect("bar", before) + " " + expect("baz", new Foo().bar())
                        + " redefine-supported=" + inst.isRedefineClassesSupported();
            });
        }

        private static String expect(String expected, String got) {
            if (!expected.equals(got)) {
                throw new AssertionError("expected " + expected + ", got " + got);
            }
            return got;
        }
    }

    /** A final class, which only the inline mock maker can mock. */
    static final class Greeter {
        String greet() {
            return "hello";
        }
    }

    /** A class the application redefines with its own byte-buddy. */
    static class Foo {
        String bar() {
            return "bar";
        }
    }
}
