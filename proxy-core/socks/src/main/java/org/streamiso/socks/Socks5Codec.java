package org.streamiso.socks;

import java.io.ByteArrayOutputStream;
import java.net.IDN;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The SOCKS5 codec: encodes messages to bytes and decodes bytes to messages; it does no I/O.
 *
 * <p>Decoders read from a buffer's position to its limit. They advance the position past the message
 * only when they return a message; on "need more" or failure the buffer is left as it was.
 *
 * <p><b>Important:</b> JDK-only. The agent loads this class on the bootstrap class path, and nothing here
 * may resolve a name: addresses are parsed as literals or rejected.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1928">RFC 1928</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc1929">RFC 1929</a>
 * @see <a href="https://spec.torproject.org/socks-extensions.html">Tor's SOCKS extensions</a>
 */
public final class Socks5Codec {
    private Socks5Codec() {
    }

    // ---- encoding ---------------------------------------------------------------------------------

    public static byte[] encode(Socks5InitialRequest request) {
        List<Socks5AuthMethod> methods = request.authMethods();
        byte[] out = new byte[2 + methods.size()];
        out[0] = Socks5.VERSION;
        out[1] = (byte) methods.size();
        for (int i = 0; i < methods.size(); i++) {
            out[2 + i] = methods.get(i).byteValue();
        }
        return out;
    }

    public static byte[] encode(Socks5InitialResponse response) {
        return new byte[] {Socks5.VERSION, response.authMethod().byteValue()};
    }

    public static byte[] encode(Socks5PasswordAuthRequest request) {
        byte[] user = request.username().getBytes(StandardCharsets.ISO_8859_1);
        byte[] pass = request.password().getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[3 + user.length + pass.length];
        out[0] = Socks5.PASSWORD_AUTH_VERSION;
        out[1] = (byte) user.length;
        System.arraycopy(user, 0, out, 2, user.length);
        out[2 + user.length] = (byte) pass.length;
        System.arraycopy(pass, 0, out, 3 + user.length, pass.length);
        return out;
    }

    public static byte[] encode(Socks5PasswordAuthResponse response) {
        return new byte[] {Socks5.PASSWORD_AUTH_VERSION, response.status()};
    }

    public static byte[] encode(Socks5CommandRequest request) {
        return encodeCommand(request.type().byteValue(), request.dstAddrType(), request.dstAddr(), request.dstPort());
    }

    public static byte[] encode(Socks5CommandResponse response) {
        return encodeCommand(response.status().byteValue(), response.bndAddrType(), response.bndAddr(),
                response.bndPort());
    }

    private static byte[] encodeCommand(byte second, Socks5AddressType addrType, String addr, int port) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(22);
        out.write(Socks5.VERSION);
        out.write(second);
        out.write(0x00);
        out.write(addrType.byteValue());
        byte[] addrBytes = addressBytes(addrType, addr);
        if (Socks5AddressType.DOMAIN.equals(addrType)) {
            out.write(addrBytes.length);
        }
        out.write(addrBytes, 0, addrBytes.length);
        out.write(port >>> 8);
        out.write(port);
        return out.toByteArray();
    }

    // ---- decoding ---------------------------------------------------------------------------------

    /** Server side: decodes the client's greeting. */
    public static Socks5Decoded<Socks5InitialRequest> decodeInitialRequest(ByteBuffer in) {
        int p = in.position();
        if (in.remaining() < 2) {
            return Socks5Decoded.needMore(2);
        }
        if (in.get(p) != Socks5.VERSION) {
            return Socks5Decoded.failed(Socks5CommandStatus.FAILURE, versionMismatch(in.get(p)));
        }
        int count = in.get(p + 1) & 0xFF;
        if (count == 0) {
            return Socks5Decoded.failed(Socks5CommandStatus.FAILURE, "greeting offers no authentication method");
        }
        if (in.remaining() < 2 + count) {
            return Socks5Decoded.needMore(2 + count);
        }
        List<Socks5AuthMethod> methods = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            methods.add(Socks5AuthMethod.valueOf(in.get(p + 2 + i)));
        }
        in.position(p + 2 + count);
        return Socks5Decoded.done(new Socks5InitialRequest(methods));
    }

    /** Client side: decodes the server's method choice. */
    public static Socks5Decoded<Socks5InitialResponse> decodeInitialResponse(ByteBuffer in) {
        int p = in.position();
        if (in.remaining() < 2) {
            return Socks5Decoded.needMore(2);
        }
        if (in.get(p) != Socks5.VERSION) {
            return Socks5Decoded.failed(Socks5CommandStatus.FAILURE, versionMismatch(in.get(p)));
        }
        in.position(p + 2);
        return Socks5Decoded.done(new Socks5InitialResponse(Socks5AuthMethod.valueOf(in.get(p + 1))));
    }

    /** Server side: decodes an RFC 1929 username/password request. */
    public static Socks5Decoded<Socks5PasswordAuthRequest> decodePasswordAuthRequest(ByteBuffer in) {
        int p = in.position();
        if (in.remaining() < 2) {
            return Socks5Decoded.needMore(2);
        }
        if (in.get(p) != Socks5.PASSWORD_AUTH_VERSION) {
            return Socks5Decoded.failed(Socks5CommandStatus.FAILURE, String.format(
                    "username/password version: 0x%02X (expected: 0x01)", in.get(p) & 0xFF));
        }
        int userLength = in.get(p + 1) & 0xFF;
        if (in.remaining() < 3 + userLength) {
            return Socks5Decoded.needMore(3 + userLength);
        }
        int passLength = in.get(p + 2 + userLength) & 0xFF;
        int total = 3 + userLength + passLength;
        if (in.remaining() < total) {
            return Socks5Decoded.needMore(total);
        }
        if (userLength == 0 || passLength == 0) {
            return Socks5Decoded.failed(Socks5CommandStatus.FAILURE,
                    "username/password: an empty field (expected: 1-255 bytes each)");
        }
        String user = latin1(in, p + 2, userLength);
        String pass = latin1(in, p + 3 + userLength, passLength);
        in.position(p + total);
        return Socks5Decoded.done(new Socks5PasswordAuthRequest(user, pass));
    }

    /** Client side: decodes the RFC 1929 status reply. */
    public static Socks5Decoded<Socks5PasswordAuthResponse> decodePasswordAuthResponse(ByteBuffer in) {
        int p = in.position();
        if (in.remaining() < 2) {
            return Socks5Decoded.needMore(2);
        }
        if (in.get(p) != Socks5.PASSWORD_AUTH_VERSION) {
            return Socks5Decoded.failed(Socks5CommandStatus.FAILURE, String.format(
                    "username/password version: 0x%02X (expected: 0x01)", in.get(p) & 0xFF));
        }
        in.position(p + 2);
        return Socks5Decoded.done(new Socks5PasswordAuthResponse(in.get(p + 1)));
    }

    /** Server side: decodes a request; an unknown command or address type fails with the RFC's reply code. */
    public static Socks5Decoded<Socks5CommandRequest> decodeCommandRequest(ByteBuffer in) {
        Socks5Decoded<Object[]> fields = decodeCommandFields(in, true);
        if (!fields.isDone()) {
            return rethrow(fields);
        }
        Object[] f = fields.message();
        return Socks5Decoded.done(new Socks5CommandRequest(Socks5CommandType.valueOf((Byte) f[0]),
                (Socks5AddressType) f[1], (String) f[2], (Integer) f[3]));
    }

    /** Client side: decodes a reply. */
    public static Socks5Decoded<Socks5CommandResponse> decodeCommandResponse(ByteBuffer in) {
        Socks5Decoded<Object[]> fields = decodeCommandFields(in, false);
        if (!fields.isDone()) {
            return rethrow(fields);
        }
        Object[] f = fields.message();
        return Socks5Decoded.done(new Socks5CommandResponse(Socks5CommandStatus.valueOf((Byte) f[0]),
                (Socks5AddressType) f[1], (String) f[2], (Integer) f[3]));
    }

    private static Socks5Decoded<Object[]> decodeCommandFields(ByteBuffer in, boolean request) {
        int p = in.position();
        if (in.remaining() < 5) {
            return Socks5Decoded.needMore(5);
        }
        if (in.get(p) != Socks5.VERSION) {
            return Socks5Decoded.failed(Socks5CommandStatus.FAILURE, versionMismatch(in.get(p)));
        }
        byte second = in.get(p + 1);
        if (request) {
            Socks5CommandType type = Socks5CommandType.valueOf(second);
            if (!type.equals(Socks5CommandType.CONNECT) && !type.equals(Socks5CommandType.RESOLVE)
                    && !type.equals(Socks5CommandType.RESOLVE_PTR)) {
                return Socks5Decoded.failed(Socks5CommandStatus.COMMAND_UNSUPPORTED,
                        "command: " + type + " (expected: CONNECT, RESOLVE or RESOLVE_PTR)");
            }
        }
        if (in.get(p + 2) != 0x00) {
            return Socks5Decoded.failed(Socks5CommandStatus.FAILURE,
                    String.format("RSV: 0x%02X (expected: 0x00)", in.get(p + 2) & 0xFF));
        }
        Socks5Decoded<Socks5Address> address = decodeAddress(in, p + 3, !request && second != 0x00);
        if (!address.isDone()) {
            return rethrow(address);
        }
        Socks5Address a = address.message();
        return Socks5Decoded.done(new Object[] {second, a.type(), a.host(), a.port()});
    }

    /**
     * Decodes the address field (ATYP, address, port) that starts at index {@code at}, at or after the buffer's
     * position; "need more" counts from the position. {@code noneAllowed}: ATYP none with four zero bytes, as Tor
     * answers a failed RESOLVE, is an address. On success the position moves past the port.
     */
    static Socks5Decoded<Socks5Address> decodeAddress(ByteBuffer in, int at, boolean noneAllowed) {
        int p = in.position();
        int before = at - p;
        if (in.remaining() < before + 2) {
            return Socks5Decoded.needMore(before + 2);
        }
        Socks5AddressType addrType = Socks5AddressType.valueOf(in.get(at));
        int addrStart = at + 1;
        int addrLength;
        if (Socks5AddressType.IPV4.equals(addrType) || Socks5AddressType.NONE.equals(addrType) && noneAllowed) {
            addrLength = 4;
        } else if (Socks5AddressType.IPV6.equals(addrType)) {
            addrLength = 16;
        } else if (Socks5AddressType.DOMAIN.equals(addrType)) {
            addrLength = in.get(at + 1) & 0xFF;
            addrStart = at + 2;
            if (addrLength == 0) {
                return Socks5Decoded.failed(Socks5CommandStatus.ADDRESS_UNSUPPORTED,
                        "DOMAINNAME: empty (expected: 1-255 bytes)");
            }
        } else {
            return Socks5Decoded.failed(Socks5CommandStatus.ADDRESS_UNSUPPORTED,
                    "ATYP: " + addrType + " (expected: IPv4, DOMAINNAME or IPv6)");
        }
        int total = addrStart - p + addrLength + 2;
        if (in.remaining() < total) {
            return Socks5Decoded.needMore(total);
        }
        String addr;
        if (Socks5AddressType.DOMAIN.equals(addrType)) {
            for (int i = 0; i < addrLength; i++) {
                if (in.get(addrStart + i) < 0) {
                    // A name travels in ASCII, international names in their ACE form (RFC 3490); a byte above
                    // 0x7F would become a different name when re-encoded, so it is refused, not passed on.
                    return Socks5Decoded.failed(Socks5CommandStatus.ADDRESS_UNSUPPORTED, "DOMAINNAME: a byte above"
                            + " 0x7F at index " + i + " (expected: ASCII; international names in their xn-- form)");
                }
            }
            addr = latin1(in, addrStart, addrLength);
        } else {
            byte[] raw = new byte[addrLength];
            in.get(addrStart, raw);
            if (Socks5AddressType.NONE.equals(addrType) && (raw[0] | raw[1] | raw[2] | raw[3]) != 0) {
                return Socks5Decoded.failed(Socks5CommandStatus.ADDRESS_UNSUPPORTED,
                        "BND.ADDR: " + ipv4Text(raw) + " with ATYP none (expected: four zero bytes)");
            }
            addr = addrLength == 4 ? ipv4Text(raw) : ipv6Text(raw);
        }
        int portAt = addrStart + addrLength;
        int port = ((in.get(portAt) & 0xFF) << 8) | (in.get(portAt + 1) & 0xFF);
        in.position(p + total);
        return Socks5Decoded.done(Socks5Address.decoded(addrType, addr, port));
    }

    @SuppressWarnings("unchecked")
    private static <T> Socks5Decoded<T> rethrow(Socks5Decoded<?> notDone) {
        return (Socks5Decoded<T>) notDone;
    }

    private static String versionMismatch(byte version) {
        return String.format("version: 0x%02X (expected: 0x05)", version & 0xFF);
    }

    private static String latin1(ByteBuffer in, int at, int length) {
        byte[] bytes = new byte[length];
        in.get(at, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    // ---- addresses --------------------------------------------------------------------------------

    static void checkPort(String name, int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException(name + ": " + port + " (expected: 0-65535)");
        }
    }

    static void checkLatin1Field(String name, String value) {
        if (value == null || value.isEmpty() || value.length() > Socks5.MAX_FIELD_LENGTH) {
            throw new IllegalArgumentException(name + ": " + (value == null ? "null" : value.length() + " characters")
                    + " (expected: 1-255 ISO-8859-1 characters)");
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0xFF) {
                throw new IllegalArgumentException(
                        name + ": a character above U+00FF at index " + i + " (expected: 1-255 ISO-8859-1 characters)");
            }
        }
    }

    static void checkAddress(String name, Socks5AddressType type, String addr) {
        if (type == null || addr == null) {
            throw new IllegalArgumentException(name + ": null (expected: an address type and an address)");
        }
        addressBytes(type, addr);
    }

    /**
     * Returns the wire bytes of an address: 4 or 16 bytes for a literal, the ASCII bytes of a name
     * (international names in their ACE form). Never resolves anything.
     */
    static byte[] addressBytes(Socks5AddressType type, String addr) {
        if (Socks5AddressType.NONE.equals(type)) {
            if (!addr.equals("0.0.0.0")) {
                throw new IllegalArgumentException("address: " + addr + " with ATYP none (expected: 0.0.0.0)");
            }
            return new byte[4];
        }
        if (Socks5AddressType.IPV4.equals(type)) {
            byte[] b = parseIpv4(addr);
            if (b == null) {
                throw new IllegalArgumentException("address: not an IPv4 literal (expected: a.b.c.d)");
            }
            return b;
        }
        if (Socks5AddressType.IPV6.equals(type)) {
            return parseIpv6(addr);
        }
        if (Socks5AddressType.DOMAIN.equals(type)) {
            byte[] b = domainBytes(addr);
            if (b.length == 0 || b.length > Socks5.MAX_FIELD_LENGTH) {
                throw new IllegalArgumentException("DOMAINNAME: " + b.length + " bytes (expected: 1-255 bytes)");
            }
            return b;
        }
        throw new IllegalArgumentException("ATYP: " + type + " (expected: IPv4, DOMAINNAME or IPv6)");
    }

    private static byte[] domainBytes(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) > 0x7F) {
                try {
                    return IDN.toASCII(name, IDN.ALLOW_UNASSIGNED).getBytes(StandardCharsets.US_ASCII);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("DOMAINNAME: not a valid international name (expected: a name IDNA can encode)");
                }
            }
        }
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /** Parses a dotted-quad IPv4 literal, or returns null; see {@link Socks5Address#parseLiteral}. */
    public static byte[] parseIpv4(String s) {
        return Socks5Address.ipv4(s);
    }

    /**
     * Parses an IPv6 literal, with or without brackets; a {@code %zone} suffix is accepted and dropped (the bytes
     * never carry it). Never consults a resolver: the text is parsed digit by digit.
     *
     * @throws IllegalArgumentException when {@code s} is not an IPv6 literal
     */
    public static byte[] parseIpv6(String s) {
        byte[] b = Socks5Address.ipv6(s, true);
        if (b == null) {
            throw new IllegalArgumentException("address: not an IPv6 literal (expected: hex groups separated by ':')");
        }
        return b;
    }

    static String ipv4Text(byte[] b) {
        return Socks5Address.ipv4Text(b);
    }

    /** Formats 16 bytes as an uncompressed IPv6 literal without brackets. */
    static String ipv6Text(byte[] b) {
        return Socks5Address.ipv6Text(b);
    }
}
