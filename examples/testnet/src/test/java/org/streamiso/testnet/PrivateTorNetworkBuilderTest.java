package org.streamiso.testnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PrivateTorNetworkBuilderTest {

    private final PrivateTorNetwork.Builder builder = PrivateTorNetwork.builder(Path.of("unused"));

    @Test
    void rejectsMapAddressOutsideLoopback() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.mapAddress("web.streamiso.test", "10.0.0.1"));
        assertEquals("address of web.streamiso.test: \"10.0.0.1\" (expected: an IPv4 address in 127.0.0.0/8;"
                + " the network never leaves loopback)", e.getMessage());
    }

    @Test
    void rejectsMapAddressToAHostname() {
        assertThrows(IllegalArgumentException.class, () -> builder.mapAddress("web.streamiso.test", "localhost"));
        assertThrows(IllegalArgumentException.class, () -> builder.mapAddress("web.streamiso.test", "127.0.0.256"));
    }

    @Test
    void acceptsAnyAddressInLoopbackRange() {
        builder.mapAddress("web.streamiso.test", "127.0.0.1").mapAddress("api.streamiso.test", "127.255.10.2");
    }

    @Test
    void rejectsNameThatWouldBreakTheTorrcLine() {
        assertThrows(IllegalArgumentException.class, () -> builder.mapAddress("web streamiso", "127.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> builder.mapAddress("web\nSocksPort 9050", "127.0.0.1"));
    }

    @Test
    void rejectsNonPositiveBootstrapTimeout() {
        assertThrows(IllegalArgumentException.class, () -> builder.bootstrapTimeout(Duration.ZERO));
    }

    @Test
    void rejectsSocksPortCountOutOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.socksPortCount(0));
        assertEquals("socksPortCount: 0 (expected: 1-32)", e.getMessage());
    }
}
