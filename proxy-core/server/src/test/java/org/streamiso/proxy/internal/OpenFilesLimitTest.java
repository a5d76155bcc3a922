package org.streamiso.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The open-files limit check at start-up: /proc/self/limits parsing and the warning's words. */
class OpenFilesLimitTest {
    private static final String PROC_LIMITS = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max processes             96365                96365                processes
            Max open files            1024                 524288               files
            Max locked memory         8388608              8388608              bytes
            """;

    @Test
    void readsTheSoftLimitOfOpenFilesFromProcSelfLimits() {
        assertEquals(OptionalLong.of(1024), OpenFilesLimit.parseProcLimits(PROC_LIMITS));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), OpenFilesLimit.parseProcLimits(
                PROC_LIMITS.replace("1024                 524288", "unlimited            unlimited")));
        assertEquals(OptionalLong.empty(), OpenFilesLimit.parseProcLimits("Limit  Soft Limit\n"));
    }

    @Test
    void warnsWhenTheLimitIsBelowTwiceMaxStreamsNamingTheLimitTheOptionAndTheFix() {
        assertEquals("The open-files limit (RLIMIT_NOFILE) is 1024, below twice --max-streams 10000 (each stream"
                + " holds two descriptors); proxy-core starts, but clients beyond about 496 open streams wait"
                + " unaccepted. Raise the limit before starting it: ulimit -n 20000.",
                OpenFilesLimit.warning(1024, 10_000));
    }

    @Test
    void saysNothingWhenTheLimitIsHighEnough() {
        assertNull(OpenFilesLimit.warning(20_000, 10_000));
        assertNull(OpenFilesLimit.warning(Long.MAX_VALUE, 10_000));
    }

    @Test
    void thisJvmHasALimit() {
        OptionalLong soft = OpenFilesLimit.soft();
        assertTrue(soft.isPresent() && soft.getAsLong() > 0, String.valueOf(soft));
    }
}
