package dev.ferry.daemon.control;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the control API listens or is reached: a Unix domain socket path, or a TCP port on a loopback
 * address. Non-loopback addresses are refused, so the API is never reachable from other hosts.
 *
 * <p>Syntax: {@code unix:PATH} or any text containing '/' or no ':' is a socket path (relative paths are
 * made absolute); {@code HOST:PORT} is TCP, where HOST is an IPv4 loopback literal (127.0.0.0/8),
 * {@code [::1]} or {@code localhost}, and PORT is 0..65535 (0 = any free port, for servers only).
 */
public sealed interface ControlEndpoint permits ControlEndpoint.UnixSocket, ControlEndpoint.LoopbackTcp {
    /** Longest socket path the kernel accepts ({@code sizeof(sun_path) - 1}). */
    int MAX_UNIX_PATH_BYTES = 107;

    /** Parses an endpoint, throwing {@link IllegalArgumentException} with a precise message when it is not valid. */
    static ControlEndpoint parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("control endpoint is empty: expected a Unix socket path or a loopback HOST:PORT");
        }
        String t = text.trim();
        if (t.startsWith("unix:")) {
            return UnixSocket.of(t.substring("unix:".length()));
        }
        if (t.contains("/") || !t.contains(":")) {
            return UnixSocket.of(t);
        }
        return LoopbackTcp.parse(t);
    }

    /** Human-readable form used in messages, e.g. {@code /var/lib/ferry/control.sock} or {@code 127.0.0.1:7000}. */
    String describe();

    /** A Unix domain socket path. */
    record UnixSocket(Path path) implements ControlEndpoint {
        /** Validates: the path is absolute and short enough for {@code sun_path}. */
        public UnixSocket {
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("control socket path must be absolute: " + path);
            }
            int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_UNIX_PATH_BYTES) {
                throw new IllegalArgumentException("control socket path is too long (" + bytes
                    + " bytes, the kernel allows " + MAX_UNIX_PATH_BYTES + "): " + path);
            }
        }

        static UnixSocket of(String text) {
            if (text.isBlank()) {
                throw new IllegalArgumentException("control socket path is empty");
            }
            try {
                return new UnixSocket(Path.of(text).toAbsolutePath().normalize());
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("invalid control socket path '" + text + "': " + e.getReason(), e);
            }
        }

        @Override
        public String describe() {
            return path.toString();
        }
    }

    /** A TCP port on a loopback address. */
    record LoopbackTcp(InetSocketAddress address) implements ControlEndpoint {
        private static final Pattern HOST_PORT = Pattern.compile("^(\\[[^\\]]*\\]|[^:\\[\\]]+):([^:]*)$");
        private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

        /** Validates: the address is resolved and loopback. */
        public LoopbackTcp {
            if (address.isUnresolved() || !address.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException(notLoopback(address.getHostString() + ":" + address.getPort()));
            }
        }

        static LoopbackTcp parse(String text) {
            Matcher m = HOST_PORT.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("invalid control endpoint '" + text
                    + "': expected a Unix socket path or a loopback HOST:PORT such as 127.0.0.1:7000");
            }
            String host = m.group(1);
            int port;
            try {
                port = Integer.parseInt(m.group(2));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("invalid port '" + m.group(2) + "' in control endpoint '" + text
                    + "': expected 0..65535");
            }
            InetAddress address = literal(host, text);
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException(notLoopback(text));
            }
            return new LoopbackTcp(new InetSocketAddress(address, port));
        }

        private static InetAddress literal(String host, String text) {
            boolean v6 = host.startsWith("[");
            if (!v6 && !IPV4.matcher(host).matches() && !host.equalsIgnoreCase("localhost")) {
                throw new IllegalArgumentException(notLoopback(text));
            }
            try {
                // an IP literal or "localhost": no DNS lookup happens
                return InetAddress.getByName(host.equalsIgnoreCase("localhost") ? "127.0.0.1"
                    : v6 ? host.substring(1, host.length() - 1) : host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("invalid address in control endpoint '" + text + "': " + e.getMessage(), e);
            }
        }

        private static String notLoopback(String text) {
            return "control endpoint " + text + " is not a loopback address: the control API must never be"
                + " reachable from other hosts; use 127.0.0.1:PORT, [::1]:PORT, localhost:PORT or a Unix socket path";
        }

        /** The port. */
        public int port() {
            return address.getPort();
        }

        @Override
        public String describe() {
            String host = address.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
        }
    }
}
