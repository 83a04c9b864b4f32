package dev.ferry.daemon.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code HOST:PORT} or {@code [IPV6]:PORT} into a resolved socket address (port 0 = any free port). */
public final class ListenAddressArgument implements ITypeConverter<InetSocketAddress> {

    private static final Pattern SYNTAX = Pattern.compile("(?:\\[([0-9A-Fa-f:.%a-zA-Z]+)\\]|([^:\\[\\]]+)):([0-9]{1,5})");

    /** Parses and resolves {@code text}, or throws with a message naming the problem. */
    public static InetSocketAddress parse(String text) {
        Matcher m = SYNTAX.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid listen address '" + text
                    + "': expected HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:10809");
        }
        String host = m.group(1) != null ? m.group(1) : m.group(2);
        int port = Integer.parseInt(m.group(3));
        if (port > 65535) {
            throw new IllegalArgumentException("invalid listen address '" + text + "': port " + port
                    + " is not in 0-65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("invalid listen address '" + text + "': unknown host '" + host + "'",
                    e);
        }
    }

    @Override
    public InetSocketAddress convert(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
