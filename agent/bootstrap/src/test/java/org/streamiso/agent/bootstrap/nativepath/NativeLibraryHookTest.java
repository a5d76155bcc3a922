package org.streamiso.agent.bootstrap.nativepath;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamiso.agent.bootstrap.LeakReport;

/**
 * Which native libraries {@link NativePathHooks#nativeLibrary} refuses: Netty's transports in every packaging, nothing
 * else.
 */
class NativeLibraryHookTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "/tmp/libnetty_transport_native_epoll_x86_644213867601478226110.so", // Netty 4.1 unpacks to a temp file
        "netty_transport_native_epoll_x86_64", // System.loadLibrary fallback
        "/tmp/libio_grpc_netty_shaded_netty_transport_native_epoll_x86_64123.so", // grpc-netty-shaded
        "/tmp/libnetty_transport_native_io_uring42_x86_64987.so", // Netty 4.2 io_uring
        "netty_transport_native_io_uring_x86_64", // the incubator's io_uring
        "/tmp/libnetty_transport_native_kqueue_aarch_64555.jnilib"})
    void refusesNettysNativeTransports(String library) {
        long before = LeakReport.count(LeakReport.Kind.NATIVE_TRANSPORT);
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativePathHooks.nativeLibrary(library));
        assertTrue(e.getMessage().startsWith("streamiso refused to load "), e.getMessage());
        assertEquals(before + 1, LeakReport.count(LeakReport.Kind.NATIVE_TRANSPORT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp/libnetty_tcnative_linux_x86_64123.so", "net", "nio", "zip",
        "/usr/lib/jvm/java-17-openjdk-amd64/lib/libsctp.so", "/tmp/libnetty_quiche_linux_x86_64.so"})
    void letsEveryOtherLibraryLoad(String library) {
        assertDoesNotThrow(() -> NativePathHooks.nativeLibrary(library));
    }
}
