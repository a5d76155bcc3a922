package org.streamiso.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.streamiso.socks.IsolationString;
import org.streamiso.socks.Socks5PasswordAuthRequest;

class ClientKeyTest {
    private static final String STRING = "si1:shop:thread+dest-host:" + "0123456789abcdef".repeat(2);

    @Test
    void theContractsUsernameMakesThePasswordTheKeyGroupedByItsAppAndKind() {
        ClientKey key = ClientKey.of(new Socks5PasswordAuthRequest(IsolationString.USERNAME, STRING));
        assertEquals(new ClientKey(STRING, "shop", "thread+dest-host"), key);
    }

    @Test
    void theContractsUsernameWithAnotherPasswordIsAnOpaqueKeyOfAnUnknownApp() {
        for (String password : new String[] {"si2:shop:thread:" + "0".repeat(32), "my own key", "si1:shop:thread:xyz",
            "si1:shop:THREAD:" + "0".repeat(32)}) {
            assertEquals(new ClientKey(password, "unknown", "opaque"),
                    ClientKey.of(new Socks5PasswordAuthRequest(IsolationString.USERNAME, password)), password);
        }
    }

    @Test
    void anotherProposal351UsernameIsItsOwnKeyOfAnUnsupportedFormat() {
        assertEquals(new ClientKey("<torS0X>1obj", "unknown", "unsupported-format"),
                ClientKey.of(new Socks5PasswordAuthRequest("<torS0X>1obj", STRING)));
    }

    @Test
    void anyOtherUsernameIsTheKeyAsBeforeAndThePasswordIsNoPartOfIt() {
        assertEquals(new ClientKey("alice", "legacy", "socks-auth"),
                ClientKey.of(new Socks5PasswordAuthRequest("alice", "a")));
        assertEquals(ClientKey.of(new Socks5PasswordAuthRequest("alice", "a")),
                ClientKey.of(new Socks5PasswordAuthRequest("alice", "b")));
        assertEquals(new ClientKey(STRING, "legacy", "socks-auth"),
                ClientKey.of(new Socks5PasswordAuthRequest(STRING, "a")), "an isolation string in the username");
    }

    @Test
    void clientsWithoutCredentialsShareOneKey() {
        assertEquals(ClientKey.NONE, ClientKey.of(null));
        assertNull(ClientKey.NONE.key());
        assertEquals("no-key", ClientKey.NONE.app());
        assertEquals("none", ClientKey.NONE.kind());
    }

    @Test
    void neverPrintsTheKey() {
        String printed = ClientKey.of(new Socks5PasswordAuthRequest(IsolationString.USERNAME, STRING)).toString();
        assertEquals("ClientKey[key=[scrubbed], app=shop, kind=thread+dest-host]", printed);
        assertFalse(printed.contains("0123456789abcdef"));
    }
}
