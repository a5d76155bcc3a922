package org.streamiso.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandType;
import org.streamiso.socks.Socks5PasswordAuthRequest;

class IsolationCredentialsTest {
    private static final byte[] SALT = new byte[32];
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();
    private final IsolationCredentials credentials = new IsolationCredentials(SALT);

    private static ListenerConfig listener(int port, IsolationPolicy policy) {
        return new ListenerConfig(new InetSocketAddress(CLIENT, port), policy, null);
    }

    private static Socks5CommandRequest to(String name, int port) {
        return Socks5CommandRequest.ofDomain(Socks5CommandType.CONNECT, name, port);
    }

    private String key(ListenerConfig listener, Socks5PasswordAuthRequest clientKey, Socks5CommandRequest request) {
        return credentials.upstream(listener, CLIENT, clientKey, request).password();
    }

    @Test
    void theSameStreamAlwaysGetsTheSameCredentials() {
        Socks5PasswordAuthRequest alice = new Socks5PasswordAuthRequest("alice", "pw");
        assertEquals(key(listener(9159, IsolationPolicy.CLIENT), alice, to("a.example", 80)),
                key(listener(9159, IsolationPolicy.CLIENT), alice, to("a.example", 80)));
    }

    @Test
    void clientPolicyIgnoresTheDestinationButNotTheClientKey() {
        ListenerConfig port = listener(9159, IsolationPolicy.CLIENT);
        Socks5PasswordAuthRequest alice = new Socks5PasswordAuthRequest("alice", "pw");
        assertEquals(key(port, alice, to("a.example", 80)), key(port, alice, to("b.example", 443)));
        assertNotEquals(key(port, alice, to("a.example", 80)),
                key(port, new Socks5PasswordAuthRequest("alice", "other"), to("a.example", 80)));
        assertNotEquals(key(port, alice, to("a.example", 80)), key(port, null, to("a.example", 80)));
    }

    @Test
    void eachPolicyAddsExactlyItsDestinationParts() {
        Socks5PasswordAuthRequest k = new Socks5PasswordAuthRequest("u", "p");
        ListenerConfig addr = listener(9169, IsolationPolicy.DEST_ADDR);
        assertNotEquals(key(addr, k, to("a.example", 80)), key(addr, k, to("b.example", 80)));
        assertEquals(key(addr, k, to("a.example", 80)), key(addr, k, to("a.example", 443)));

        ListenerConfig port = listener(9179, IsolationPolicy.DEST_PORT);
        assertEquals(key(port, k, to("a.example", 80)), key(port, k, to("b.example", 80)));
        assertNotEquals(key(port, k, to("a.example", 80)), key(port, k, to("a.example", 443)));

        ListenerConfig both = listener(9189, IsolationPolicy.DEST_ADDR_PORT);
        assertNotEquals(key(both, k, to("a.example", 80)), key(both, k, to("b.example", 80)));
        assertNotEquals(key(both, k, to("a.example", 80)), key(both, k, to("a.example", 443)));
    }

    @Test
    void differentListeningPortsNeverShareCredentials() {
        assertNotEquals(key(listener(9159, IsolationPolicy.CLIENT), null, to("a.example", 80)),
                key(listener(9160, IsolationPolicy.CLIENT), null, to("a.example", 80)));
    }

    @Test
    void fieldBoundariesCannotCollide() {
        ListenerConfig port = listener(9159, IsolationPolicy.CLIENT);
        assertNotEquals(key(port, new Socks5PasswordAuthRequest("ab", "c"), to("x", 1)),
                key(port, new Socks5PasswordAuthRequest("a", "bc"), to("x", 1)));
    }

    @Test
    void aDifferentSaltGivesDifferentCredentials() {
        byte[] other = new byte[32];
        other[0] = 1;
        assertNotEquals(key(listener(9159, IsolationPolicy.CLIENT), null, to("a.example", 80)),
                new IsolationCredentials(other).upstream(listener(9159, IsolationPolicy.CLIENT), CLIENT, null,
                        to("a.example", 80)).password());
    }

    @Test
    void longestClientKeysStillFitRfc1929() {
        char[] max = new char[255];
        Arrays.fill(max, '\u00FF');
        Socks5PasswordAuthRequest longest = new Socks5PasswordAuthRequest(new String(max), new String(max));
        Socks5PasswordAuthRequest up = credentials.upstream(listener(9189, IsolationPolicy.DEST_ADDR_PORT), CLIENT,
                longest, to("a".repeat(255), 65535));
        assertEquals(IsolationCredentials.USERNAME, up.username());
        assertEquals(64, up.password().getBytes(StandardCharsets.ISO_8859_1).length);
        assertTrue(up.password().matches("[0-9a-f]{64}"));
    }

    @Test
    void renewingClientsWithoutCredentialsGivesThemNewCredentialsAndLeavesKeysAlone() {
        ListenerConfig port = listener(9159, IsolationPolicy.CLIENT);
        Socks5PasswordAuthRequest alice = new Socks5PasswordAuthRequest("alice", "pw");
        String noKeyBefore = key(port, null, to("a.example", 80));
        String aliceBefore = key(port, alice, to("a.example", 80));
        assertEquals(0, credentials.epoch(null));

        assertEquals(1, credentials.renew(null));
        assertEquals(1, credentials.epoch(null));
        assertEquals(0, credentials.epoch("alice"));
        String noKeyAfter = key(port, null, to("a.example", 80));
        assertNotEquals(noKeyBefore, noKeyAfter, "clients without credentials kept their old credentials");
        assertEquals(aliceBefore, key(port, alice, to("a.example", 80)), "renewing no-key changed alice's");
        assertEquals(noKeyAfter, key(port, null, to("b.example", 443)), "one identity for all their streams");

        assertEquals(2, credentials.renew(null));
        assertNotEquals(noKeyAfter, key(port, null, to("a.example", 80)));
    }

    @Test
    void renewingAKeyLeavesClientsWithoutCredentialsAlone() {
        ListenerConfig port = listener(9159, IsolationPolicy.CLIENT);
        String noKeyBefore = key(port, null, to("a.example", 80));
        credentials.renew("alice");
        assertEquals(noKeyBefore, key(port, null, to("a.example", 80)));
        assertEquals(0, credentials.epoch(null));
    }

    @Test
    void anEmptyUsernameIsNotTheIdentityOfClientsWithoutCredentials() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> credentials.renew(""));
        assertEquals("clientKey: \"\" (expected: a client's key, 1-255 bytes: the password of a <torS0X>0 client,"
                + " the username of any other; null for clients that send no credentials)", e.getMessage());
        assertEquals(0, credentials.epoch(null));
    }

    @Test
    void whonixPortsGetTheirPresets() {
        assertEquals(IsolationPolicy.CLIENT, IsolationPolicy.presetFor(9159));
        assertEquals(IsolationPolicy.DEST_ADDR, IsolationPolicy.presetFor(9169));
        assertEquals(IsolationPolicy.DEST_PORT, IsolationPolicy.presetFor(9179));
        assertEquals(IsolationPolicy.DEST_ADDR_PORT, IsolationPolicy.presetFor(9189));
        assertEquals(IsolationPolicy.CLIENT, IsolationPolicy.presetFor(1080));
    }
}
