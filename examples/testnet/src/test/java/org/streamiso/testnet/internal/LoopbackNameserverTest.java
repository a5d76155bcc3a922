package org.streamiso.testnet.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LoopbackNameserverTest {

    /** A query for "nowhere.test" type A class IN, ID 0xBEEF, RD set (RFC 1035 4.1). */
    private static final byte[] QUERY = {
        (byte) 0xBE, (byte) 0xEF, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x07, 'n', 'o', 'w', 'h', 'e', 'r', 'e', 0x04, 't', 'e', 's', 't', 0x00,
        0x00, 0x01, 0x00, 0x01,
    };

    @Test
    void answersNxdomainWithIdAndQuestionOfTheQuery() {
        byte[] reply = LoopbackNameserver.answer(QUERY);

        assertEquals(QUERY.length, reply.length);
        assertEquals((byte) 0xBE, reply[0]);
        assertEquals((byte) 0xEF, reply[1]);
        assertEquals((byte) 0x81, reply[2], "QR and RD set");
        assertEquals((byte) 0x83, reply[3], "RA set, RCODE 3 NXDOMAIN");
        assertArrayEquals(new byte[] {0, 1, 0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(reply, 4, 12));
        assertArrayEquals(Arrays.copyOfRange(QUERY, 12, QUERY.length), Arrays.copyOfRange(reply, 12, reply.length));
    }

    @Test
    void answersFormerrToTruncatedQuestion() {
        byte[] reply = LoopbackNameserver.answer(Arrays.copyOf(QUERY, 20));

        assertEquals(12, reply.length);
        assertEquals((byte) 0x81, reply[3], "RA set, RCODE 1 FORMERR");
        assertEquals(0, reply[5], "no question");
    }

    @Test
    void ignoresDatagramShorterThanAHeader() {
        assertEquals(0, LoopbackNameserver.answer(new byte[5]).length);
    }

    @Test
    void answersOverUdpOnLoopback() throws IOException {
        try (LoopbackNameserver nameserver = LoopbackNameserver.start();
             DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5_000);
            client.send(new DatagramPacket(QUERY, QUERY.length, nameserver.address()));
            DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            client.receive(reply);

            assertEquals(QUERY.length, reply.getLength());
            assertEquals((byte) 0x83, reply.getData()[3]);
        }
    }
}
