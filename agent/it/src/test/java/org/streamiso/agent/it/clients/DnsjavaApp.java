package org.streamiso.agent.it.clients;

import java.time.Duration;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * dnsjava's {@code SimpleResolver} with its defaults (the first nameserver of /etc/resolv.conf), over UDP or TCP
 * ({@code udp|tcp NAME}): an A lookup, printing {@code OK A=<address>}.
 */
public final class DnsjavaApp {
    private DnsjavaApp() {
    }

    public static void main(String[] args) {
        ClientApp.run(() -> {
            SimpleResolver resolver = new SimpleResolver();
            resolver.setTCP(args[0].equals("tcp"));
            resolver.setTimeout(Duration.ofSeconds(30));
            Lookup lookup = new Lookup(args[1], Type.A);
            lookup.setResolver(resolver);
            lookup.setCache(null);
            Record[] answers = lookup.run();
            if (answers == null) {
                throw new java.io.IOException("no answer: " + lookup.getErrorString());
            }
            return "A=" + ((ARecord) answers[0]).getAddress().getHostAddress() + " via " + resolver.getAddress();
        });
    }
}
