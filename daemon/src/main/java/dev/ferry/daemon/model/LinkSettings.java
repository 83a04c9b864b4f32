package dev.ferry.daemon.model;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a remote PV's NBD client notices a dead or hung server and how long it waits for one to come back, as the
 * query parameters of the PV's URI set them ({@link PvUri}); a parameter not given takes its {@link #DEFAULT}.
 *
 * @param connectTimeout    {@code connect-timeout}: TCP connect plus NBD handshake, per attempt (default 5 s)
 * @param requestTimeout    {@code request-timeout}: a request unanswered this long after its submission fails with
 *                          EIO and, if it was on the wire, its connection counts as dead (default 30 s)
 * @param heartbeatInterval {@code heartbeat-interval}: an idle connection gets a small READ after this long, whose
 *                          answer is due within the request timeout (default 2 s; 0 switches heartbeats off)
 * @param reconnectWindow   {@code reconnect-window}: how long requests wait for a lost connection to come back
 *                          before they fail and the PV is lost (default 10 s; 0 fails them at once)
 */
public record LinkSettings(Duration connectTimeout, Duration requestTimeout, Duration heartbeatInterval,
                           Duration reconnectWindow) {
    /** The longest any setting may be. */
    public static final Duration MAX = Duration.ofHours(1);
    /** The shortest a timeout (and a heartbeat interval or reconnect window other than 0) may be. */
    public static final Duration MIN = Duration.ofMillis(100);
    /** The settings of a URI that names none: 5 s, 30 s, 2 s, 10 s (after MIN and MAX, which they are checked by). */
    public static final LinkSettings DEFAULT = new LinkSettings(Duration.ofSeconds(5), Duration.ofSeconds(30),
            Duration.ofSeconds(2), Duration.ofSeconds(10));

    /** The query parameter names, in the order the canonical form writes them. */
    static final String CONNECT = "connect-timeout";
    static final String REQUEST = "request-timeout";
    static final String HEARTBEAT = "heartbeat-interval";
    static final String RECONNECT = "reconnect-window";

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,10})(ms|s|m)?");

    /** Checks every setting against its bounds; the message names the parameter. */
    public LinkSettings {
        check(CONNECT, connectTimeout, false);
        check(REQUEST, requestTimeout, false);
        check(HEARTBEAT, heartbeatInterval, true);
        check(RECONNECT, reconnectWindow, true);
    }

    private static void check(String name, Duration d, boolean zeroAllowed) {
        Objects.requireNonNull(d, name);
        if (d.isZero() && zeroAllowed) {
            return;
        }
        if (d.compareTo(MIN) < 0 || d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(name + " " + format(d) + " is out of range: it must be "
                    + (zeroAllowed ? "0 or " : "") + "from " + format(MIN) + " to " + format(MAX));
        }
    }

    /** Whether {@code name} is one of these settings' query parameters. */
    static boolean isParameter(String name) {
        return name.equals(CONNECT) || name.equals(REQUEST) || name.equals(HEARTBEAT) || name.equals(RECONNECT);
    }

    /** The settings of {@code given} (parameter name to value as written), the others from {@link #DEFAULT}. */
    static LinkSettings of(Map<String, String> given) {
        return new LinkSettings(value(given, CONNECT, DEFAULT.connectTimeout),
                value(given, REQUEST, DEFAULT.requestTimeout), value(given, HEARTBEAT, DEFAULT.heartbeatInterval),
                value(given, RECONNECT, DEFAULT.reconnectWindow));
    }

    private static Duration value(Map<String, String> given, String name, Duration fallback) {
        String text = given.get(name);
        return text == null ? fallback : parse(name, text);
    }

    /** Parses {@code N}, {@code Nms}, {@code Ns} or {@code Nm} (N seconds when no unit is written). */
    static Duration parse(String name, String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(name + " '" + text + "' is not a duration: write N followed by ms, s "
                    + "or m (e.g. 500ms, 5s, 2m)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** {@code 500ms}, {@code 5s}: whole seconds in seconds, else milliseconds. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** The settings that differ from {@link #DEFAULT}, parameter name to canonical value, in canonical order. */
    Map<String, String> nonDefault() {
        Map<String, String> out = new LinkedHashMap<>();
        put(out, CONNECT, connectTimeout, DEFAULT.connectTimeout);
        put(out, REQUEST, requestTimeout, DEFAULT.requestTimeout);
        put(out, HEARTBEAT, heartbeatInterval, DEFAULT.heartbeatInterval);
        put(out, RECONNECT, reconnectWindow, DEFAULT.reconnectWindow);
        return out;
    }

    private static void put(Map<String, String> out, String name, Duration value, Duration fallback) {
        if (!value.equals(fallback)) {
            out.put(name, format(value));
        }
    }

    /** All four, for reports and logs: {@code connect-timeout=5s request-timeout=30s ...}. */
    @Override
    public String toString() {
        return CONNECT + "=" + format(connectTimeout) + " " + REQUEST + "=" + format(requestTimeout) + " "
                + HEARTBEAT + "=" + format(heartbeatInterval) + " " + RECONNECT + "=" + format(reconnectWindow);
    }
}
