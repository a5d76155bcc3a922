package org.streamiso.agent.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code java -jar streamiso.jar COMMAND ...}: the jar's Main-Class. The agent itself never runs this: under
 * {@code -javaagent} the JVM ignores Main-Class.
 *
 * <p>Exit codes: 0 all is well, 1 a check failed or the attach did not happen, 2 bad usage or bad agent arguments.
 */
public final class Main {
    static final String USAGE = String.join(System.lineSeparator(),
            "usage: java -jar streamiso.jar check [AGENT-ARGUMENTS] [--tor-control IP:PORT [--tor-cookie FILE]]",
            "                                     [--resolve NAME] [--probe HOST:PORT]",
            "       java -jar streamiso.jar attach PID [AGENT-ARGUMENTS]",
            "",
            "AGENT-ARGUMENTS are those of -javaagent:streamiso.jar=ARGUMENTS, e.g. port=9050,isolate=thread.",
            "check   verifies the live set-up, one line per check (ok / FAILED and the fix):",
            "        the SocksPort answers SOCKS5 and Tor's RESOLVE; Tor is bootstrapped (with --tor-control);",
            "        a JVM under these arguments refuses a direct connection, a local DNS lookup and a UDP",
            "        datagram before anything leaves; two isolation keys get two circuits and one key one",
            "        circuit (with --tor-control: CONNECTs to --probe, or RESOLVEs of --resolve).",
            "        --resolve NAME    the name to resolve through Tor (default: " + SelfCheck.DEFAULT_RESOLVE + ")",
            "        --probe HOST:PORT a destination Tor can reach, for the isolation check's streams",
            "        --tor-cookie FILE Tor's control_auth_cookie (without it: no authentication)",
            "attach  loads the agent into the running JVM PID; it routes what that JVM opens from then on.",
            "",
            "Exit codes: 0 ok, 1 a check failed or the attach did not happen, 2 usage or agent arguments.");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "check":
                return SelfCheck.run(rest, out, err);
            case "attach":
                return Attach.run(rest, out, err);
            case "-h":
            case "--help":
            case "help":
                out.println(USAGE);
                return 0;
            default:
                err.println("streamiso: command: \"" + args[0] + "\" (expected: check or attach)");
                err.println(USAGE);
                return 2;
        }
    }
}
