package org.streamiso.proxy.control;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * One connection to Tor's ControlPort: the few control-spec commands proxy-core uses, and its asynchronous events.
 * This interface is the seam that unit tests mock; the real one wraps jtorctl.
 *
 * @see <a href="https://spec.torproject.org/control-spec/">control-spec</a>
 */
public interface TorControl extends Closeable {

    /** Receives asynchronous events ({@code 650} lines). Called on the connection's reader thread. */
    @FunctionalInterface
    interface EventListener {
        /**
         * @param keyword the event name, e.g. {@code STREAM}, {@code CIRC}, {@code STATUS_CLIENT}
         * @param data    the rest of the line after the keyword
         */
        void onEvent(String keyword, String data);
    }

    /** Opens a new connection; called again after the ControlPort went away. */
    @FunctionalInterface
    interface Connector {
        TorControl connect() throws IOException;
    }

    /** Sets where events go; call before {@link #setEvents}. */
    void setEventListener(EventListener listener);

    /** {@code AUTHENTICATE} with the cookie's or the password's bytes. */
    void authenticate(byte[] secret) throws IOException;

    /** {@code SETEVENTS}: the events this connection receives from now on. */
    void setEvents(List<String> events) throws IOException;

    /** {@code GETINFO key}: the value. */
    String getInfo(String key) throws IOException;

    /** {@code SIGNAL name}, e.g. {@code NEWNYM}. */
    void signal(String name) throws IOException;

    /** {@code TAKEOWNERSHIP}: Tor exits when this connection closes (for a tor that proxy-core launched). */
    void takeOwnership() throws IOException;

    /** Blocks until the connection ends (Tor stopped, or {@link #close()}). */
    void awaitClosed() throws InterruptedException;
}
