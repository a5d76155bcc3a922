package org.streamiso.testnet.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The torrcs of the private network: three directory authorities (which are also relays), two exit
 * relays that exit only to 127.0.0.0/8, and one client.
 *
 * <p>Each option says in a comment why it is there. Options that {@code TestingTorNetwork 1}
 * already sets are only repeated where the harness depends on them.
 *
 * @see <a href="https://2019.www.torproject.org/docs/tor-manual.html.en">tor(1)</a>
 * @see <a href="https://gitlab.torproject.org/tpo/core/chutney">Chutney, whose templates showed the way</a>
 */
public final class TorrcTemplates {

    /**
     * The exit policy of both exits: every IPv4 address outside 127.0.0.0/8 is rejected by an
     * explicit rule (0.0.0.0/1 and 128.0.0.0/1 together cover them all), and IPv6 by
     * {@code IPv6Exit 0}, so the exits connect to 127.0.0.0/8 and nowhere else.
     *
     * <p><b>Important:</b> the final {@code accept *:*} matches no address; it is there for clients.
     * A client checks a CONNECT to a hostname against each exit's policy with the address unknown,
     * and treats "accept 127.0.0.0/8, reject *" as <em>probably rejected</em>: it would answer
     * "No Tor server allows exit" (SOCKS5 0x01) itself, and an unmapped name would never reach an
     * exit. With the rejects split in two halves and a final accept, the client sends the name
     * on; the exit asks the harness's nameserver, gets NXDOMAIN, and the client answers with Tor's
     * resolve failure (SOCKS5 0x04), as on the real network.
     */
    public static final String EXIT_POLICY =
            "accept 127.0.0.0/8:*,reject 0.0.0.0/1:*,reject 128.0.0.0/1:*,accept *:*";

    private TorrcTemplates() {
    }

    /** A directory authority that is also a (non-exit) relay and a Guard. */
    public static Torrc authority(Relay self, List<Relay> authorities, List<Relay> exits, long ownerPid) {
        Torrc torrc = relay(self, authorities, ownerPid);
        torrc.comment("Directory authority: votes every 10 s so that the first consensus comes within seconds. "
                        + "Vote + distribution delay must stay below half the interval (tor halves it without a consensus).")
                .option("AuthoritativeDirectory", 1)
                .option("V3AuthoritativeDirectory", 1)
                .option("DirPort", "127.0.0.1:" + self.dirPort())
                .option("TestingV3AuthInitialVotingInterval", 10)
                .option("TestingV3AuthInitialVoteDelay", 2)
                .option("TestingV3AuthInitialDistDelay", 2)
                .option("V3AuthVotingInterval", 10)
                .option("V3AuthVoteDelay", 2)
                .option("V3AuthDistDelay", 2)
                .option("V3AuthNIntervalsValid", 2);
        torrc.comment("Flags that a young network would earn only after hours of uptime and measured bandwidth: "
                        + "the authorities are the Guards, the two exits get the Exit flag.")
                .option("TestingDirAuthVoteGuard", fingerprints(authorities))
                .option("TestingDirAuthVoteGuardIsStrict", 1)
                .option("TestingDirAuthVoteExit", fingerprints(exits))
                .option("TestingDirAuthVoteExitIsStrict", 1)
                .option("TestingMinExitFlagThreshold", 0);
        torrc.comment("Not an exit.")
                .option("ExitRelay", 0)
                .option("ExitPolicy", "reject *:*");
        return torrc;
    }

    /** An exit relay whose policy accepts 127.0.0.0/8 only, resolving names through {@code resolvConf}. */
    public static Torrc exit(Relay self, List<Relay> authorities, Path resolvConf, long ownerPid) {
        return exit(self, authorities, resolvConf, ownerPid, List.of());
    }

    /**
     * An exit relay whose policy accepts 127.0.0.0/8 and {@code alsoAccepted} (addresses that exist only inside the
     * loopback-only network namespace the network runs in), resolving names through {@code resolvConf}.
     */
    public static Torrc exit(Relay self, List<Relay> authorities, Path resolvConf, long ownerPid,
            List<String> alsoAccepted) {
        Torrc torrc = relay(self, authorities, ownerPid);
        StringBuilder policy = new StringBuilder();
        for (String address : alsoAccepted) {
            policy.append("accept ").append(address).append("/32:*,");
        }
        torrc.comment("Exit to loopback only (see EXIT_POLICY). ExitPolicyRejectPrivate 0 drops the implicit "
                        + "'reject private:*' that would also reject 127.0.0.0/8, ExitPolicyRejectLocalInterfaces 0 likewise "
                        + "for 127.0.0.1 (both TestingTorNetwork's defaults, repeated because the exits depend on them).")
                .option("ExitRelay", 1)
                .option("ExitPolicy", policy + EXIT_POLICY)
                .option("ExitPolicyRejectPrivate", 0)
                .option("ExitPolicyRejectLocalInterfaces", 0)
                .option("IPv6Exit", 0);
        torrc.comment("Carry streams even while this exit has no consensus yet. By default an exit refuses a BEGIN "
                        + "from a previous hop it does not know as a relay; in the first seconds of the network that ends "
                        + "streams with reason MISC (SOCKS5 0x01), flakily.")
                .option("RefuseUnknownExits", 0);
        torrc.comment("Names are resolved by the harness's loopback nameserver (NXDOMAIN for everything), "
                        + "never by /etc/resolv.conf, so no DNS query leaves 127.0.0.1. "
                        + "No hijacking checks: they would resolve well-known public names.")
                .option("ServerDNSResolvConfFile", resolvConf)
                .option("ServerDNSDetectHijacking", 0)
                .option("ServerDNSAllowBrokenConfig", 1);
        return torrc;
    }

    /**
     * The client: several SocksPorts (streams on different SocksPorts never share a circuit), one
     * SocksPort with IsolateDestAddr, one with NoIsolateSOCKSAuth (for isolation audits that must see a
     * violation), a ControlPort with cookie authentication, and the caller's MapAddress names.
     */
    public static Torrc client(Path dataDirectory, List<Relay> authorities, List<Integer> socksPorts,
            int isolateDestAddrSocksPort, int noIsolateSocksAuthSocksPort, int controlPort,
            Map<String, String> mapAddresses, long ownerPid) {
        Torrc torrc = common("client", dataDirectory, authorities, ownerPid);
        torrc.comment("SocksPorts. ExtendedErrors makes Tor's failure replies precise (RFC 1928 codes plus 0xF0-0xF7).");
        for (int port : socksPorts) {
            torrc.option("SocksPort", "127.0.0.1:" + port + " ExtendedErrors");
        }
        torrc.option("SocksPort", "127.0.0.1:" + isolateDestAddrSocksPort + " IsolateDestAddr ExtendedErrors");
        torrc.option("SocksPort", "127.0.0.1:" + noIsolateSocksAuthSocksPort + " NoIsolateSOCKSAuth ExtendedErrors");
        torrc.comment("ControlPort for STREAM events; the cookie is DataDirectory/control_auth_cookie.")
                .option("ControlPort", "127.0.0.1:" + controlPort)
                .option("CookieAuthentication", 1);
        torrc.comment("Full descriptors carry the exits' full policies (accept 127.0.0.0/8); "
                        + "a microdescriptor's summary would say the exits accept nothing.")
                .option("UseMicrodescriptors", 0);
        torrc.comment("Fetch each new consensus and descriptor as soon as the authorities have it, as a directory "
                        + "cache would: relays republish their descriptors often in a young network, and until the client "
                        + "has an exit's new descriptor it counts no exits and holds streams back.")
                .option("FetchDirInfoEarly", 1)
                .option("FetchDirInfoExtraEarly", 1);
        torrc.comment("Let SOCKS requests reach 127.0.0.0/8 through the exits (TestingTorNetwork's default, repeated "
                        + "because the harness depends on it), over IPv4 only (TestingTorNetwork leaves ClientUseIPv6 1).")
                .option("ClientRejectInternalAddresses", 0)
                .option("ClientUseIPv6", 0);
        if (!mapAddresses.isEmpty()) {
            torrc.comment("Names that exist only inside this Tor client.");
            mapAddresses.forEach((name, address) -> torrc.option("MapAddress", name + " " + address));
        }
        return torrc;
    }

    /**
     * What another Tor client needs to use this network, for a torrc that sets its own DataDirectory, SocksPort and
     * ControlPort (proxy-core's {@code --launch-tor --tor-config FILE}): the authorities, the testing-network
     * options and the MapAddress names, as for {@link #client}.
     */
    public static Torrc otherClient(List<Relay> authorities, Map<String, String> mapAddresses) {
        Torrc torrc = new Torrc();
        torrc.comment("A client of the streamiso private Tor network. Written by PrivateTorNetwork; do not edit.")
                .option("TestingTorNetwork", 1);
        torrc.comment("The three authorities of this network, instead of the public ones.");
        for (Relay authority : authorities) {
            torrc.option("DirAuthority", authority.dirAuthorityLine());
        }
        torrc.comment("As for the network's own client (see TorrcTemplates.client).")
                .option("UseMicrodescriptors", 0)
                .option("FetchDirInfoEarly", 1)
                .option("FetchDirInfoExtraEarly", 1)
                .option("ClientRejectInternalAddresses", 0)
                .option("ClientUseIPv6", 0);
        if (!mapAddresses.isEmpty()) {
            torrc.comment("Names that exist only inside this Tor network's clients.");
            mapAddresses.forEach((name, address) -> torrc.option("MapAddress", name + " " + address));
        }
        return torrc;
    }

    private static Torrc relay(Relay self, List<Relay> authorities, long ownerPid) {
        Torrc torrc = common(self.nickname(), self.dataDirectory(), authorities, ownerPid);
        torrc.comment("Relay on loopback. AssumeReachable skips the ORPort self-test and lets authorities vote "
                        + "relays Running without waiting for reachability tests.")
                .option("Address", "127.0.0.1")
                .option("ORPort", "127.0.0.1:" + self.orPort())
                .option("SocksPort", 0)
                .option("AssumeReachable", 1)
                .option("ContactInfo", self.nickname() + "@streamiso.test");
        return torrc;
    }

    private static Torrc common(String nickname, Path dataDirectory, List<Relay> authorities, long ownerPid) {
        Torrc torrc = new Torrc();
        torrc.comment("streamiso private Tor network: " + nickname + ". Written by PrivateTorNetwork; do not edit.")
                .option("TestingTorNetwork", 1)
                .option("Nickname", nickname)
                .option("DataDirectory", dataDirectory)
                .option("RunAsDaemon", 0)
                .option("Log", "notice stdout")
                .option("SafeLogging", 0)
                .option("ShutdownWaitLength", 0);
        torrc.comment("Exit when the JVM that started this network dies, even without a shutdown hook.")
                .option("__OwningControllerProcess", ownerPid);
        torrc.comment("The three authorities of this network, instead of the public ones.");
        for (Relay authority : authorities) {
            torrc.option("DirAuthority", authority.dirAuthorityLine());
        }
        return torrc;
    }

    private static String fingerprints(List<Relay> relays) {
        return relays.stream().map(relay -> "$" + relay.fingerprint()).collect(Collectors.joining(","));
    }
}
