package org.streamiso.proxy.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import net.freehaven.tor.control.TorControlConnection;
import org.streamiso.proxy.control.TorControl;

/**
 * {@link TorControl} over jtorctl's {@link TorControlConnection}.
 *
 * <p>Events are taken from jtorctl's raw listener, not its {@code EventHandler}: the handler's
 * {@code streamStatus} drops the CircuitID and SOURCE_ADDR that the audit needs.
 */
public final class JtorctlTorControl implements TorControl {
    private final Socket socket;
    private final TorControlConnection connection;
    private final Thread reader;
    private volatile EventListener listener = (keyword, data) -> { };

    private JtorctlTorControl(Socket socket) throws IOException {
        this.socket = socket;
        this.connection = new TorControlConnection(socket);
        this.connection.addRawEventListener((keyword, data) -> listener.onEvent(keyword, data));
        this.reader = connection.launchThread(true);
    }

    /** Connects to the ControlPort at {@code address} within {@code timeoutMillis}. */
    public static JtorctlTorControl connect(InetSocketAddress address, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, timeoutMillis);
            return new JtorctlTorControl(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public void setEventListener(EventListener listener) {
        this.listener = listener;
    }

    @Override
    public void authenticate(byte[] secret) throws IOException {
        connection.authenticate(secret);
    }

    @Override
    public void setEvents(List<String> events) throws IOException {
        connection.setEvents(events);
    }

    @Override
    public String getInfo(String key) throws IOException {
        return connection.getInfo(key);
    }

    @Override
    public void signal(String name) throws IOException {
        connection.signal(name);
    }

    @Override
    public void takeOwnership() throws IOException {
        connection.takeOwnership();
    }

    @Override
    public void awaitClosed() throws InterruptedException {
        reader.join();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
