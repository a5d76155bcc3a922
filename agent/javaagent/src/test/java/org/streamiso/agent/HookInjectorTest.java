package org.streamiso.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamiso.agent.instrument.HookPoint;
import org.streamiso.agent.instrument.HookInjector;

/** Every hook point finds its method in the running JDK's own class files (the forked tests run them). */
class HookInjectorTest {

    @Test
    void findsEveryHookPointOfThisJdk() throws Exception {
        List<HookPoint> points = StreamisoAgent.hookPoints();
        Set<HookPoint> applied = new HashSet<>();
        int checked = 0;
        for (HookPoint p : points) {
            byte[] bytes;
            try (InputStream in = ClassLoader.getSystemResourceAsStream(p.className() + ".class")) {
                if (in == null) {
                    assertTrue(StreamisoAgent.isRemovedFromThisJdk(p.className()), "missing class " + p.className());
                    continue;
                }
                bytes = in.readAllBytes();
            }
            byte[] rewritten = HookInjector.inject(bytes, List.of(p), applied);
            assertTrue(rewritten.length > bytes.length, p.displayName());
            checked++;
        }
        assertEquals(checked, applied.size());
    }

    @Test
    void refusesAHookWhoseResultDoesNotFitTheMethod() {
        assertThrows(IllegalArgumentException.class, () -> new HookPoint("sun/nio/ch/Net", "connect",
                "(Ljava/net/ProtocolFamily;Ljava/io/FileDescriptor;Ljava/net/InetAddress;I)I",
                org.streamiso.agent.bootstrap.socket.SocketHooks.class, "checkDirectConnect",
                "(Ljava/net/InetAddress;I)Z", new int[] {2, 3}, HookPoint.Kind.CALL));
    }
}
