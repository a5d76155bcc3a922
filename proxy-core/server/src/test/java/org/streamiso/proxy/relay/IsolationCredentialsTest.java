package org.streamiso.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamiso.socks.IsolationString;
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
    void longestClientKeysStillFitRfc1929AndSpeakTheContract() {
        char[] max = new char[255];
        Arrays.fill(max, '\u00FF');
        Socks5PasswordAuthRequest longest = new Socks5PasswordAuthRequest(new String(max), new String(max));
        Socks5PasswordAuthRequest up = credentials.upstream(listener(9189, IsolationPolicy.DEST_ADDR_PORT), CLIENT,
                longest, to("a".repeat(255), 65535));
        assertEquals("<torS0X>0", up.username());
        assertEquals(IsolationString.USERNAME, IsolationCredentials.USERNAME);
        IsolationString sent = IsolationString.parse(up.password());
        assertNotNull(sent, up.password());
        assertEquals("legacy", sent.app());
        assertEquals("socks-auth+dest-addr+dest-port", sent.kind());
        assertTrue(up.password().matches("si1:legacy:socks-auth\\+dest-addr\\+dest-port:[0-9a-f]{32}"),
                up.password());
        assertTrue(up.password().getBytes(StandardCharsets.ISO_8859_1).length <= 255);
    }

    @Test
    void anAgentsIsolationStringReachesTorAsItsAppItsKindPlusThePortsPolicyAndANewDigest() {
        String digest = "0123456789abcdef".repeat(2);
        Socks5PasswordAuthRequest agent = new IsolationString("shop", "thread", digest).credentials();
        Socks5PasswordAuthRequest up = credentials.upstream(listener(9169, IsolationPolicy.DEST_ADDR), CLIENT, agent,
                to("a.example", 80));
        assertEquals(IsolationString.USERNAME, up.username());
        IsolationString sent = IsolationString.parse(up.password());
        assertNotNull(sent, up.password());
        assertEquals("shop", sent.app());
        assertEquals("thread+dest-addr", sent.kind());
        assertNotEquals(digest, sent.digest(), "the client's digest went to Tor as it was");
        assertFalse(up.password().contains(digest));

        Socks5PasswordAuthRequest plain = credentials.upstream(listener(9159, IsolationPolicy.CLIENT), CLIENT, agent,
                to("a.example", 80));
        assertEquals("si1:shop:thread:", plain.password().substring(0, 16), plain.password());
        assertEquals("si1:no-key:none:", credentials.upstream(listener(9159, IsolationPolicy.CLIENT), CLIENT, null,
                to("a.example", 80)).password().substring(0, 16));
        Socks5PasswordAuthRequest opaque = new Socks5PasswordAuthRequest(IsolationString.USERNAME, "my own key");
        assertTrue(credentials.upstream(listener(9179, IsolationPolicy.DEST_PORT), CLIENT, opaque, to("a.example", 80))
                .password().startsWith("si1:unknown:opaque+dest-port:"));
    }

    @Test
    void theKindNamesAPolicyOnceAndIsCutDeterministicallyKeepingThePolicy() {
        assertEquals("dest-port+dest-addr", IsolationCredentials.kind("dest-port", IsolationPolicy.DEST_ADDR_PORT));
        assertEquals("thread", IsolationCredentials.kind("thread", IsolationPolicy.CLIENT));
        String longest = "first-party+connection+dest-host+dest-port+thread+app+scope"; // 59 characters
        String cut = IsolationCredentials.kind(longest, IsolationPolicy.DEST_ADDR_PORT);
        assertEquals("first-party+connection+dest-host+dest-port+thread+app+dest-addr", cut);
        assertTrue(cut.length() <= IsolationString.MAX_KIND);
        assertEquals(cut, IsolationCredentials.kind(longest, IsolationPolicy.DEST_ADDR_PORT));
        String oneLongName = "a".repeat(64);
        assertEquals("dest-addr", IsolationCredentials.kind(oneLongName, IsolationPolicy.DEST_ADDR));
        assertEquals(oneLongName, IsolationCredentials.kind(oneLongName, IsolationPolicy.CLIENT));
        Socks5PasswordAuthRequest agent = new IsolationString("shop", oneLongName, "0".repeat(32)).credentials();
        assertNotNull(IsolationString.parse(credentials.upstream(listener(9189, IsolationPolicy.DEST_ADDR_PORT),
                CLIENT, agent, to("a.example", 80)).password()));
    }

    /**
     * Tor's isolation is exactly as strong as before the contract: over many streams, two get equal credentials
     * exactly when every input is equal (listening port and policy, client address, username, password, epoch, and
     * the destination parts the policy takes).
     */
    @Test
    void twoStreamsGetEqualCredentialsExactlyWhenEveryInputIsEqual() throws Exception {
        InetAddress otherClient = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
        List<ListenerConfig> listeners = List.of(listener(9159, IsolationPolicy.CLIENT),
                listener(9160, IsolationPolicy.CLIENT), listener(9169, IsolationPolicy.DEST_ADDR),
                listener(9179, IsolationPolicy.DEST_PORT), listener(9189, IsolationPolicy.DEST_ADDR_PORT));
        String d1 = "1".repeat(32);
        String d2 = "2".repeat(32);
        List<Socks5PasswordAuthRequest> keys = Arrays.asList(null, new Socks5PasswordAuthRequest("alice", "a"),
                new Socks5PasswordAuthRequest("alice", "b"), new Socks5PasswordAuthRequest("bob", "a"),
                new IsolationString("shop", "thread", d1).credentials(),
                new IsolationString("shop", "thread", d2).credentials(),
                new IsolationString("shop", "app", d1).credentials(),
                new IsolationString("mail", "thread", d1).credentials(),
                new Socks5PasswordAuthRequest(IsolationString.USERNAME, "opaque"),
                new Socks5PasswordAuthRequest("si1:shop:thread:" + d1, "x"));
        List<Socks5CommandRequest> requests = List.of(to("a.example", 80), to("A.example", 80), to("b.example", 80),
                to("a.example", 443), Socks5CommandRequest.ofAddress(Socks5CommandType.CONNECT,
                        InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 80));
        List<List<Object>> inputs = new ArrayList<>();
        List<String> passwords = new ArrayList<>();
        for (ListenerConfig listener : listeners) {
            for (InetAddress client : List.of(CLIENT, otherClient)) {
                for (Socks5PasswordAuthRequest key : keys) {
                    for (long epoch : new long[] {0, 1}) {
                        for (Socks5CommandRequest request : requests) {
                            IsolationPolicy policy = listener.isolation();
                            inputs.add(Arrays.asList(listener.address(), policy, client,
                                    key == null ? null : key.username(), key == null ? null : key.password(), epoch,
                                    policy.isolatesDestAddr() ? request.dstAddr().toLowerCase(Locale.ROOT) : null,
                                    policy.isolatesDestPort() ? request.dstPort() : null));
                            Socks5PasswordAuthRequest up = credentials.upstream(listener, client, key, request, epoch);
                            assertEquals(IsolationString.USERNAME, up.username());
                            passwords.add(up.password());
                        }
                    }
                }
            }
        }
        Map<List<Object>, String> byInputs = new HashMap<>();
        Map<String, List<Object>> byPassword = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            String before = byInputs.putIfAbsent(inputs.get(i), passwords.get(i));
            assertTrue(before == null || before.equals(passwords.get(i)), "equal inputs, different credentials: "
                    + inputs.get(i));
            List<Object> other = byPassword.putIfAbsent(passwords.get(i), inputs.get(i));
            assertTrue(other == null || other.equals(inputs.get(i)), "different inputs, equal credentials: "
                    + inputs.get(i) + " and " + other);
        }
        // 2 clients x 10 keys x 2 epochs x (1 + 1 + 3 + 2 + 4 destination classes of the five ports' policies)
        assertEquals(440, byInputs.size());
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
