package org.streamiso.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import org.streamiso.socks.Socks5AuthMethod;
import org.streamiso.socks.Socks5Codec;
import org.streamiso.socks.Socks5CommandRequest;
import org.streamiso.socks.Socks5CommandResponse;
import org.streamiso.socks.Socks5Decoded;
import org.streamiso.socks.Socks5Reader;
import org.streamiso.socks.Socks5InitialRequest;
import org.streamiso.socks.Socks5InitialResponse;
import org.streamiso.socks.Socks5PasswordAuthRequest;
import org.streamiso.socks.Socks5PasswordAuthResponse;

/** A blocking SOCKS5 client for tests, built on the shared codec. */
public final class SocksClient {
    public static final int TIMEOUT_MILLIS = 10_000;

    private SocksClient() {
    }

    /** The reply to a request; the socket is open (for CONNECT success) and the caller closes it. */
    public record Result(Socket socket, Socks5CommandResponse response) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Runs a full handshake; {@code key} null offers no authentication only. */
    public static Result request(InetSocketAddress proxy, Socks5PasswordAuthRequest key, Socks5CommandRequest request)
            throws IOException {
        return request(proxy, key, request, TIMEOUT_MILLIS);
    }

    public static Result request(InetSocketAddress proxy, Socks5PasswordAuthRequest key, Socks5CommandRequest request,
            int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(proxy, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            List<Socks5AuthMethod> methods = key == null ? List.of(Socks5AuthMethod.NO_AUTH)
                    : List.of(Socks5AuthMethod.PASSWORD);
            socket.getOutputStream().write(Socks5Codec.encode(new Socks5InitialRequest(methods)));
            Socks5InitialResponse choice = read(in, Socks5Codec::decodeInitialResponse);
            if (!choice.authMethod().equals(methods.get(0))) {
                throw new IOException("proxy chose " + choice.authMethod());
            }
            if (key != null) {
                socket.getOutputStream().write(Socks5Codec.encode(key));
                Socks5PasswordAuthResponse status = read(in, Socks5Codec::decodePasswordAuthResponse);
                if (!status.isSuccess()) {
                    throw new IOException("proxy rejected the credentials");
                }
            }
            socket.getOutputStream().write(Socks5Codec.encode(request));
            Socks5CommandResponse response = read(in, Socks5Codec::decodeCommandResponse);
            return new Result(socket, response);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** CONNECT; throws unless the reply is success. */
    public static Socket connect(InetSocketAddress proxy, Socks5PasswordAuthRequest key, Socks5CommandRequest request)
            throws IOException {
        Result result = request(proxy, key, request);
        if (!result.response().status().isSuccess()) {
            result.close();
            throw new IOException("proxy replied " + result.response().status());
        }
        return result.socket();
    }

    /** Reads exactly one message; never reads past it. */
    public static <T> T read(InputStream in, Function<ByteBuffer, Socks5Decoded<T>> decoder) throws IOException {
        return Socks5Reader.read(Socks5Reader.of(in), decoder);
    }

    /** Reads until EOF and returns everything; fails on timeout. */
    public static byte[] readAll(Socket socket) throws IOException {
        return socket.getInputStream().readAllBytes();
    }
}
