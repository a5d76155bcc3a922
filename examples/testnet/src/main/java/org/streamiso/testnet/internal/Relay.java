package org.streamiso.testnet.internal;

import java.nio.file.Path;

/**
 * One relay of the private network, as the other torrcs need to know it.
 *
 * @param nickname      Nickname, also the name of its folder in the work directory
 * @param dataDirectory its DataDirectory
 * @param orPort        its ORPort on 127.0.0.1
 * @param dirPort       its DirPort on 127.0.0.1, or 0 for a relay that is not an authority
 * @param fingerprint   its RSA identity fingerprint, 40 hex digits
 * @param v3Ident       its authority v3 identity fingerprint, or null for a relay that is not an authority
 */
public record Relay(String nickname, Path dataDirectory, int orPort, int dirPort, String fingerprint, String v3Ident) {

    public boolean isAuthority() {
        return v3Ident != null;
    }

    /** The {@code DirAuthority} value that names this authority in every torrc. */
    public String dirAuthorityLine() {
        if (!isAuthority()) {
            throw new IllegalStateException(nickname + " is not a directory authority");
        }
        return nickname + " orport=" + orPort + " v3ident=" + v3Ident + " 127.0.0.1:" + dirPort + " " + fingerprint;
    }
}
