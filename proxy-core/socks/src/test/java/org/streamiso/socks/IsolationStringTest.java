package org.streamiso.socks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IsolationStringTest {
    private static final String DIGEST = "0123456789abcdef0123456789abcdef";

    @Test
    void formatsTheContractsCredentials() {
        IsolationString s = new IsolationString("com.example.App", "thread+first-party", DIGEST);
        Socks5PasswordAuthRequest c = s.credentials();
        assertEquals("<torS0X>0", c.username());
        assertEquals("si1:com.example.App:thread+first-party:" + DIGEST, c.password());
        assertEquals(s, IsolationString.parse(c.password()));
        assertFalse(s.toString().contains(DIGEST), "the digest is an isolation key: scrubbed");
    }

    @Test
    void theLongestStringFitsRfc1929() {
        String app = "a".repeat(IsolationString.MAX_APP);
        String kind = "k".repeat(IsolationString.MAX_KIND);
        String password = new IsolationString(app, kind, DIGEST).password();
        assertTrue(password.length() <= 255, password.length() + " bytes");
        assertEquals(166, password.length());
    }

    @Test
    void refusesWhatTheContractDoesNotAllow() {
        assertThrows(IllegalArgumentException.class, () -> new IsolationString("my app", "app", DIGEST));
        assertThrows(IllegalArgumentException.class, () -> new IsolationString("", "app", DIGEST));
        assertThrows(IllegalArgumentException.class, () -> new IsolationString("a".repeat(65), "app", DIGEST));
        assertThrows(IllegalArgumentException.class, () -> new IsolationString("app", "Thread", DIGEST));
        assertThrows(IllegalArgumentException.class, () -> new IsolationString("app", "app", DIGEST.toUpperCase()));
        assertThrows(IllegalArgumentException.class, () -> new IsolationString("app", "app", "abc"));
    }

    @Test
    void otherPasswordsAreNotIsolationStrings() {
        assertNull(IsolationString.parse("hunter2"));
        assertNull(IsolationString.parse("si2:app:app:" + DIGEST), "another version: an opaque key");
        assertNull(IsolationString.parse("si1:app:app"));
        assertNull(IsolationString.parse("si1:app:app:" + DIGEST + ":extra"));
        assertNull(IsolationString.parse(null));
    }

    @Test
    void recognisesProposal351Usernames() {
        assertTrue(IsolationString.isExtendedUsername("<torS0X>0"));
        assertTrue(IsolationString.isExtendedUsername("<torS0X>1rpc-object"));
        assertFalse(IsolationString.isExtendedUsername("alice"));
    }

    @Test
    void makesAnAppNameOfAnything() {
        assertEquals("org.example.Main-Inner", IsolationString.appName("org.example.Main$Inner"));
        assertEquals("app", IsolationString.appName(""));
        assertEquals("app", IsolationString.appName(null));
        assertEquals(64, IsolationString.appName("x".repeat(100)).length());
    }
}
