package org.streamiso.proxy.relay;

/**
 * Decides whether new streams may go to Tor now; while it refuses, clients get a SOCKS failure reply and nothing is
 * sent anywhere (for example while Tor has not finished bootstrapping).
 *
 * <p><b>Important:</b> called on the selector thread for every stream; implementations read a volatile field and
 * return.
 */
@FunctionalInterface
public interface StreamGate {
    /** Lets every stream through. */
    StreamGate OPEN = () -> null;

    /** Null when streams may go, else why not, in words (no destination, no key). */
    String refusal();
}
