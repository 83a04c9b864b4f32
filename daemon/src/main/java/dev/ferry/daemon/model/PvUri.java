package dev.ferry.daemon.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Where a remote PV lives: an NBD URI ({@code nbd://HOST[:PORT]/EXPORT}, {@code nbd+unix:///EXPORT?socket=PATH}, or
 * their TLS forms {@code nbds://} and {@code nbds+unix://}), parsed strictly and shown in one canonical form.
 *
 * <p>Query parameters: {@code socket=PATH} (the {@code +unix} schemes, required), {@code tls-certificates=DIR} (the
 * TLS schemes, required: a libnbd-style certificates directory), and the {@link LinkSettings} {@code connect-timeout},
 * {@code request-timeout}, {@code heartbeat-interval} and {@code reconnect-window} (any scheme, optional).
 *
 * <p>The canonical form ({@link #toString}) is what the daemon stores and shows as the PV's name: the scheme and host
 * in lower case, the port always written (default {@value #DEFAULT_PORT}), the export name percent-encoded where
 * needed, the socket and certificates paths normalised, and then the link settings that differ from their defaults,
 * in the order above. Two spellings of one export with the same settings therefore name one PV. A parse failure is an
 * {@link IllegalArgumentException} whose message says what is wrong and where; any string may be given.
 *
 * @param scheme          the URI's scheme
 * @param host            the TCP host (a name, an IPv4 literal or a bracket-less IPv6 literal), or null for a Unix
 *                        socket
 * @param port            the TCP port, or 0 for a Unix socket
 * @param exportName      the export name, decoded ("" is the server's default export)
 * @param socket          the Unix socket's absolute path, or null for TCP
 * @param tlsCertificates the TLS certificates directory (absolute), or null without TLS
 * @param link            the client's liveness settings
 */
public record PvUri(Scheme scheme, String host, int port, String exportName, Path socket, Path tlsCertificates,
                    LinkSettings link) {
    /** The NBD port IANA assigned, used when a TCP URI names none. */
    public static final int DEFAULT_PORT = 10809;
    /** Longest export name the NBD protocol allows (bytes of UTF-8). */
    public static final int MAX_EXPORT_NAME = 4096;

    private static final Pattern HAS_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*", Pattern.DOTALL);
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");
    /** Characters left as they are in an export name; the rest are percent-encoded. */
    private static final String EXPORT_SAFE = "-._~!$&'()*+,;=:@/";
    /** The query parameter naming a Unix socket. */
    private static final String SOCKET = "socket";
    /** The query parameter naming a TLS certificates directory (as libnbd's). */
    private static final String TLS_CERTIFICATES = "tls-certificates";
    /** Characters left as they are in a path given as a query value ({@code &} would end it). */
    private static final String QUERY_SAFE = "-._~!$'()*+,;=:@/";

    /** The NBD URI schemes (NBD's uri.md). */
    public enum Scheme {
        /** NBD over TCP. */
        NBD("nbd", false, false),
        /** NBD over TCP with TLS. */
        NBDS("nbds", true, false),
        /** NBD over a Unix domain socket. */
        NBD_UNIX("nbd+unix", false, true),
        /** NBD over a Unix domain socket with TLS. */
        NBDS_UNIX("nbds+unix", true, true);

        private final String text;
        private final boolean tls;
        private final boolean unix;

        Scheme(String text, boolean tls, boolean unix) {
            this.text = text;
            this.tls = tls;
            this.unix = unix;
        }

        /** The scheme as written in a URI. */
        public String text() {
            return text;
        }

        /** Whether the connection uses TLS. */
        public boolean tls() {
            return tls;
        }

        /** Whether the server is reached over a Unix domain socket. */
        public boolean unix() {
            return unix;
        }
    }

    /** Checks the components (as {@link #parse} leaves them). */
    public PvUri {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(exportName, "exportName");
        Objects.requireNonNull(link, "link");
        if (scheme.unix() != (socket != null) || scheme.unix() == (host != null)) {
            throw new IllegalArgumentException("a " + scheme.text() + " URI needs " + (scheme.unix()
                    ? "a socket and no host" : "a host and no socket"));
        }
        if (scheme.tls() != (tlsCertificates != null)) {
            throw new IllegalArgumentException("a " + scheme.text() + " URI needs " + (scheme.tls()
                    ? "a TLS certificates directory" : "no TLS certificates directory"));
        }
    }

    /** Whether {@code name} is written as a URI ({@code scheme://...}) rather than a file path. */
    public static boolean isUri(String name) {
        return name != null && HAS_SCHEME.matcher(name).matches();
    }

    /** Parses an NBD URI; the message of the {@link IllegalArgumentException} says what is malformed. */
    public static PvUri parse(String text) {
        if (text == null || !isUri(text)) {
            throw new IllegalArgumentException("'" + text + "' is not a URI (scheme://...)");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("URI '" + printable(text) + "' holds a space, control or non-ASCII "
                        + "character at index " + i + "; percent-encode it");
            }
        }
        int colon = text.indexOf("://");
        String schemeText = text.substring(0, colon).toLowerCase(Locale.ROOT);
        Scheme scheme = null;
        for (Scheme s : Scheme.values()) {
            if (s.text().equals(schemeText)) {
                scheme = s;
            }
        }
        if (scheme == null) {
            throw new IllegalArgumentException("URI scheme '" + schemeText + "' is not an NBD scheme; a remote PV is "
                    + "nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH (TLS: nbds://, nbds+unix://)");
        }
        String rest = text.substring(colon + 3);
        if (rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("URI '" + text + "' has a fragment (#...); NBD URIs have none");
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String export = slash < 0 ? "" : decode(rest.substring(slash + 1), "export name");
        if (export.getBytes(StandardCharsets.UTF_8).length > MAX_EXPORT_NAME) {
            throw new IllegalArgumentException("export name in '" + text + "' is longer than " + MAX_EXPORT_NAME
                    + " bytes");
        }
        Map<String, String> params = query(scheme, query, text);
        Path socket = pathOf(params, SOCKET, scheme.unix(), "socket path",
                "socket: " + scheme.text() + ":///EXPORT?socket=PATH", text);
        Path certificates = pathOf(params, TLS_CERTIFICATES, scheme.tls(), "TLS certificates directory",
                "TLS certificates directory: " + TLS_CERTIFICATES + "=PATH", text);
        LinkSettings link;
        try {
            link = LinkSettings.of(params);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("URI '" + text + "': " + e.getMessage(), e);
        }
        if (scheme.unix()) {
            if (!authority.isEmpty()) {
                throw new IllegalArgumentException("URI '" + text + "' names host '" + authority + "'; a "
                        + scheme.text() + " URI has none: " + scheme.text() + ":///EXPORT?socket=PATH");
            }
            return new PvUri(scheme, null, 0, export, socket, certificates, link);
        }
        if (authority.indexOf('@') >= 0) {
            throw new IllegalArgumentException("URI '" + text + "' carries user information (...@); NBD URIs have "
                    + "none");
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("URI '" + text + "': IPv6 host has no closing ']'");
            }
            host = authority.substring(1, close);
            if (!IPV6.matcher(host).matches() || host.indexOf(':') < 0) {
                throw new IllegalArgumentException("URI '" + text + "': '" + host + "' is no IPv6 address");
            }
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("URI '" + text + "': unexpected '" + after + "' after the "
                            + "IPv6 host");
                }
                portText = after.substring(1);
            }
        } else {
            int c = authority.lastIndexOf(':');
            host = c < 0 ? authority : authority.substring(0, c);
            portText = c < 0 ? null : authority.substring(c + 1);
            if (host.isEmpty()) {
                throw new IllegalArgumentException("URI '" + text + "' names no host: " + scheme.text()
                        + "://HOST[:PORT]/EXPORT");
            }
            if (host.length() > 253 || !HOST_NAME.matcher(host).matches()) {
                throw new IllegalArgumentException("URI '" + text + "': '" + host + "' is no valid host name or "
                        + "IPv4 address");
            }
        }
        return new PvUri(scheme, host.toLowerCase(Locale.ROOT), port(portText, text), export, null, certificates,
                link);
    }

    private static int port(String portText, String text) {
        if (portText == null) {
            return DEFAULT_PORT;
        }
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("URI '" + text + "': port '" + portText + "' is not a number from 1 "
                    + "to 65535");
        }
        int port = Integer.parseInt(portText);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("URI '" + text + "': port " + port + " is out of range 1-65535");
        }
        return port;
    }

    /** The query's parameters, name to decoded value; an unknown, misplaced or repeated one is refused. */
    private static Map<String, String> query(Scheme scheme, String query, String text) {
        Map<String, String> params = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String param : query.split("&", -1)) {
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq);
            if (!key.equals(SOCKET) && !key.equals(TLS_CERTIFICATES) && !LinkSettings.isParameter(key)) {
                throw new IllegalArgumentException("URI '" + text + "': query parameter '" + key + "' is not "
                        + "supported (" + SOCKET + "=PATH for " + Scheme.NBD_UNIX.text() + ", " + TLS_CERTIFICATES
                        + "=DIR for " + Scheme.NBDS.text() + ", and " + LinkSettings.CONNECT + ", "
                        + LinkSettings.REQUEST + ", " + LinkSettings.HEARTBEAT + ", " + LinkSettings.RECONNECT + ")");
            }
            if (key.equals(SOCKET) && !scheme.unix()) {
                throw new IllegalArgumentException("URI '" + text + "': socket= is only for "
                        + Scheme.NBD_UNIX.text() + " URIs");
            }
            if (key.equals(TLS_CERTIFICATES) && !scheme.tls()) {
                throw new IllegalArgumentException("URI '" + text + "': " + TLS_CERTIFICATES + "= is only for "
                        + Scheme.NBDS.text() + " URIs");
            }
            if (params.containsKey(key)) {
                throw new IllegalArgumentException("URI '" + text + "' names " + key + "= twice");
            }
            params.put(key, eq < 0 ? "" : decode(param.substring(eq + 1), key));
        }
        return params;
    }

    /**
     * The absolute, normalised path of parameter {@code key} ({@code what}), null when not {@code wanted}; a missing
     * one is refused saying {@code missing}, a relative one saying it must be absolute.
     */
    private static Path pathOf(Map<String, String> params, String key, boolean wanted, String what, String missing,
                               String text) {
        if (!wanted) {
            return null;
        }
        String path = params.get(key);
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("URI '" + text + "' names no " + missing);
        }
        if (path.indexOf('\0') >= 0 || !path.startsWith("/")) {
            throw new IllegalArgumentException("URI '" + text + "': " + what + " '" + printable(path) + "' must be "
                    + "absolute (the daemon has its own working directory)");
        }
        return Path.of(path).normalize();
    }

    /** Percent-decodes {@code s} as UTF-8; a malformed escape or invalid UTF-8 is refused. */
    private static String decode(String s, String what) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0
                        || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw new IllegalArgumentException(what + " '" + s + "' has a malformed percent escape at index "
                            + i);
                }
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        byte[] bytes = out.toByteArray();
        String decoded = new String(bytes, StandardCharsets.UTF_8);
        if (!java.util.Arrays.equals(decoded.getBytes(StandardCharsets.UTF_8), bytes)) {
            throw new IllegalArgumentException(what + " '" + s + "' decodes to invalid UTF-8");
        }
        return decoded;
    }

    private static String encode(String s, String safe) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || safe.indexOf(c) >= 0) {
                b.append(c);
            } else {
                b.append('%').append(String.format("%02X", (int) c));
            }
        }
        return b.toString();
    }

    private static String printable(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }

    /** Where to connect, for messages: {@code HOST:PORT} or the socket path. */
    public String endpoint() {
        return socket != null ? socket.toString() : (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The canonical form (see the class comment). */
    @Override
    public String toString() {
        String export = "/" + encode(exportName, EXPORT_SAFE);
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        if (socket != null) {
            query.add(SOCKET + "=" + encode(socket.toString(), QUERY_SAFE));
        }
        if (tlsCertificates != null) {
            query.add(TLS_CERTIFICATES + "=" + encode(tlsCertificates.toString(), QUERY_SAFE));
        }
        link.nonDefault().forEach((key, value) -> query.add(key + "=" + value));
        return scheme.text() + "://" + (scheme.unix() ? "" : endpoint()) + export + query;
    }
}
