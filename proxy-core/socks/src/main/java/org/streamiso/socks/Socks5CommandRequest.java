package org.streamiso.socks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A SOCKS5 request (RFC 1928 section 4): CONNECT, or Tor's RESOLVE and RESOLVE_PTR.
 *
 * @param type        the command
 * @param dstAddrType IPv4, IPv6 or DOMAINNAME
 * @param dstAddr     the textual address: a literal for IPv4 and IPv6, the name for DOMAINNAME
 * @param dstPort     0-65535
 */
public record Socks5CommandRequest(Socks5CommandType type, Socks5AddressType dstAddrType, String dstAddr, int dstPort) {
    public Socks5CommandRequest {
        if (Socks5AddressType.NONE.equals(dstAddrType)) {
            throw new IllegalArgumentException("dstAddrType: none (expected: IPv4, DOMAINNAME or IPv6)");
        }
        Socks5Codec.checkAddress("dstAddr", dstAddrType, dstAddr);
        Socks5Codec.checkPort("dstPort", dstPort);
    }

    /** A request for a name, which Tor resolves at the exit (remote DNS). */
    public static Socks5CommandRequest ofDomain(Socks5CommandType type, String name, int port) {
        return new Socks5CommandRequest(type, Socks5AddressType.DOMAIN, name, port);
    }

    /** A request for {@code destination}: its name as a DOMAINNAME, or its literal. */
    public static Socks5CommandRequest of(Socks5CommandType type, Socks5Address destination) {
        return new Socks5CommandRequest(type, destination.type(), destination.host(), destination.port());
    }

    /** DST.ADDR and DST.PORT as one address. */
    public Socks5Address dstAddress() {
        return Socks5Address.decoded(dstAddrType, dstAddr, dstPort);
    }

    /** A request for an address. */
    public static Socks5CommandRequest ofAddress(Socks5CommandType type, InetAddress address, int port) {
        Socks5AddressType addrType = address instanceof Inet4Address ? Socks5AddressType.IPV4 : Socks5AddressType.IPV6;
        String text = address instanceof Inet6Address
                ? Socks5Codec.ipv6Text(address.getAddress()) : address.getHostAddress();
        return new Socks5CommandRequest(type, addrType, text, port);
    }

    /** Returns a form safe to log: the destination prints as {@code [scrubbed]}. */
    @Override
    public String toString() {
        return "Socks5CommandRequest[type=" + type + ", dstAddrType=" + dstAddrType + ", dstAddr=[scrubbed], dstPort="
                + dstPort + "]";
    }
}
