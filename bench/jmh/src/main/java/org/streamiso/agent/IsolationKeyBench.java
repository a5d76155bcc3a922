package org.streamiso.agent;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.streamiso.agent.bootstrap.ApiBridge;
import org.streamiso.agent.bootstrap.Isolation;
import org.streamiso.socks.Socks5PasswordAuthRequest;

/**
 * What computing a stream's isolation key costs per connect, in each {@code isolate} mode and inside an API scope:
 * {@link Isolation#credentials}, the HMAC included, with the Public Suffix List of the agent for first-party. The
 * host alternates between two names so no cache of a single answer can help.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IsolationKeyBench {
    @Param({"app", "thread", "dest-host", "dest-port", "first-party", "connection", "scope"})
    public String mode;

    private Isolation isolation;
    private final String[] hosts = {"cdn.images.example.co.uk", "www.alice.github.io"};
    private int i;

    @Setup
    public void setUp() {
        Set<Isolation.Mode> modes = EnumSet.noneOf(Isolation.Mode.class);
        Isolation.Mode m = Isolation.Mode.of(mode);
        if (m != null) {
            modes.add(m);
        }
        isolation = new Isolation("bench", modes, null, new FirstParty());
        if (mode.equals("scope")) {
            ApiBridge.enter("alice");
        }
    }

    @Benchmark
    public Socks5PasswordAuthRequest credentials() {
        return isolation.credentials(hosts[i++ & 1], 443);
    }
}
