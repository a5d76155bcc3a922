package org.streamiso.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ControlLineTest {
    @Test
    void parsesAStreamEventWithQuotedKeywords() {
        ControlLine line = ControlLine.parse("42 NEW 0 web.streamiso.test:8080 SOURCE_ADDR=127.0.0.1:51234"
                + " PURPOSE=USER SOCKS_USERNAME=\"a b\\\"c\" CLIENT_PROTOCOL=SOCKS5");
        assertEquals(List.of("42", "NEW", "0", "web.streamiso.test:8080"), line.arguments());
        assertEquals("127.0.0.1:51234", line.keywords().get("SOURCE_ADDR"));
        assertEquals("a b\"c", line.keywords().get("SOCKS_USERNAME"));
        assertEquals("SOCKS5", line.keywords().get("CLIENT_PROTOCOL"));
    }

    @Test
    void keepsARelayPathWithEqualsSignsPositional() {
        ControlLine line = ControlLine.parse("7 BUILT $AAAA~guard,$BBBB=exit BUILD_FLAGS=NEED_CAPACITY");
        assertEquals("$AAAA~guard,$BBBB=exit", line.argument(2));
        assertEquals("NEED_CAPACITY", line.keywords().get("BUILD_FLAGS"));
        assertEquals("", line.argument(9));
    }

    @Test
    void neverThrowsOnOddInput() {
        for (String odd : new String[] {"", " ", "=", "\"", "A=\"unterminated", "A= B=", "==x"}) {
            ControlLine.parse(odd);
        }
    }
}
