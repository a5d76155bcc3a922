package org.streamiso.agent.bootstrap;

import org.streamiso.socks.Socks5Address;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which addresses a reverse lookup may name to Tor's exit. */
class LookupsTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByAddress(Socks5Address.parseLiteralIgnoringZone(literal));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.7", "169.254.1.1", "100.64.0.1",
        "100.127.255.255", "0.0.0.0", "224.0.0.251", "::1", "fe80::1", "fd00::5", "fc00::1", "ff02::fb", "::",
        "::ffff:192.168.1.1", "::ffff:10.0.0.1"})
    void neverNamesALocalOrPrivateAddressToTheExit(String literal) throws Exception {
        assertFalse(Lookups.isPublic(ip(literal)), literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.51.100.7", "8.8.8.8", "100.128.0.1", "2001:db8::1", "2a00:1450::1",
        "::ffff:198.51.100.7"})
    void asksTorAboutPublicAddresses(String literal) throws Exception {
        assertTrue(Lookups.isPublic(ip(literal)), literal);
    }
}
