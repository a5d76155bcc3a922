package org.streamiso.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class FirstPartyTest {
    private final FirstParty party = new FirstParty();

    @Test
    void takesTheRegistrableDomainFromThePublicSuffixListNotALabelCount() {
        assertEquals("alice.github.io", party.apply("alice.github.io"));
        assertEquals("bob.github.io", party.apply("www.bob.github.io"));
        assertNotEquals(party.apply("alice.github.io"), party.apply("bob.github.io"));
        assertEquals("example.co.uk", party.apply("a.example.co.uk"));
        assertEquals(party.apply("a.example.co.uk"), party.apply("B.Example.CO.UK"));
        assertNotEquals(party.apply("a.example.co.uk"), party.apply("b.other.co.uk"));
        assertEquals("example.com", party.apply("cdn.images.example.com"));
        assertEquals("streamiso.test", party.apply("web.streamiso.test"), "an unlisted TLD: the default rule *");
    }

    @Test
    void aPublicSuffixItselfHasNoRegistrableDomain() {
        assertNull(party.apply("co.uk"));
        assertNull(party.apply("github.io"));
    }
}
