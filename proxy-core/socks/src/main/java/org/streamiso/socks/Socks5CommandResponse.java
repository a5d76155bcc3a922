package org.streamiso.socks;

/**
 * A SOCKS5 reply (RFC 1928 section 6). For Tor's RESOLVE the answer is in {@code bndAddr}; for
 * RESOLVE_PTR it is a DOMAINNAME there.
 *
 * @param status      the REP field
 * @param bndAddrType IPv4, IPv6 or DOMAINNAME
 * @param bndAddr     the textual address or name
 * @param bndPort     0-65535
 */
public record Socks5CommandResponse(Socks5CommandStatus status, Socks5AddressType bndAddrType, String bndAddr,
        int bndPort) {
    public Socks5CommandResponse {
        if (Socks5AddressType.NONE.equals(bndAddrType) && status != null && status.isSuccess()) {
            throw new IllegalArgumentException("bndAddrType: none in a success (expected: IPv4, DOMAINNAME or IPv6)");
        }
        Socks5Codec.checkAddress("bndAddr", bndAddrType, bndAddr);
        Socks5Codec.checkPort("bndPort", bndPort);
    }

    /** BND.ADDR and BND.PORT as one address: for RESOLVE the answer, for RESOLVE_PTR the name. */
    public Socks5Address bndAddress() {
        return Socks5Address.decoded(bndAddrType, bndAddr, bndPort);
    }

    /** A reply with an all-zero IPv4 BND.ADDR and port, as servers send for failures. */
    public static Socks5CommandResponse of(Socks5CommandStatus status) {
        return new Socks5CommandResponse(status, Socks5AddressType.IPV4, "0.0.0.0", 0);
    }
}
