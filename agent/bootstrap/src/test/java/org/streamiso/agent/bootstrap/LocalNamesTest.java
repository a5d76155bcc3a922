package org.streamiso.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalNamesTest {
    @Test
    void readsTheAddressesOfANameFromAHostsFileCaseInsensitivelyAndWithoutTheRootDot(@TempDir Path dir)
            throws Exception {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, String.join("\n",
                "# comment line",
                "127.0.0.1\tlocalhost",
                "127.0.1.1 Box.example box   # the machine",
                "fe80::1%lo box",
                "::1 localhost ip6-localhost box",
                "not-an-address box",
                "10.9.8.7",
                ""));
        List<byte[]> v4 = new ArrayList<>();
        List<byte[]> v6 = new ArrayList<>();
        LocalNames.hostsFileAddresses(hosts, "BOX.", v4, v6);
        assertEquals(1, v4.size());
        assertEquals("127.0.1.1", InetAddress.getByAddress(v4.get(0)).getHostAddress());
        assertEquals(1, v6.size(), "the zoned line is skipped");
        LocalNames.hostsFileAddresses(dir.resolve("missing"), "box", v4, v6);
        assertEquals(1, v4.size());
    }

    @Test
    void localhostIsLoopbackKeepingTheNameAsAsked() throws Exception {
        InetAddress[] a = LocalNames.loopback("LOCALHOST.", Lookups.IPV4 | Lookups.IPV6);
        assertTrue(a[0].isLoopbackAddress());
        assertEquals("LOCALHOST.", a[0].getHostName());
        assertTrue(Arrays.stream(a).allMatch(InetAddress::isLoopbackAddress));
    }
}
