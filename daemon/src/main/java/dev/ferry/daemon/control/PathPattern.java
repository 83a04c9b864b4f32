package dev.ferry.daemon.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A route path such as {@code /v1/lvs/{vg}/{lv}}: literal segments match exactly, {@code {name}}
 * segments match one non-empty decoded segment and bind it by name.
 */
final class PathPattern {
    private final String text;
    private final List<String> segments;
    private final int literalCount;

    private PathPattern(String text, List<String> segments, int literalCount) {
        this.text = text;
        this.segments = segments;
        this.literalCount = literalCount;
    }

    /** Compiles {@code pattern}, which must start with '/' and have well-formed, unique parameters. */
    static PathPattern compile(String pattern) {
        if (pattern == null || !pattern.startsWith("/")) {
            throw new IllegalArgumentException("route pattern must start with '/': " + pattern);
        }
        List<String> segments = split(pattern);
        List<String> names = new ArrayList<>();
        int literals = 0;
        for (String segment : segments) {
            if (isParam(segment)) {
                String name = segment.substring(1, segment.length() - 1);
                if (name.isEmpty() || names.contains(name) || name.contains("{") || name.contains("}")) {
                    throw new IllegalArgumentException("bad or duplicate parameter " + segment + " in " + pattern);
                }
                names.add(name);
            } else if (segment.isEmpty() || segment.contains("{") || segment.contains("}")) {
                throw new IllegalArgumentException("bad segment '" + segment + "' in route pattern " + pattern);
            } else {
                literals++;
            }
        }
        return new PathPattern(pattern, List.copyOf(segments), literals);
    }

    /** The parameters bound by matching already-decoded {@code pathSegments}, or empty if it does not match. */
    Optional<Map<String, String>> match(List<String> pathSegments) {
        if (pathSegments.size() != segments.size()) {
            return Optional.empty();
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            String expected = segments.get(i);
            String actual = pathSegments.get(i);
            if (isParam(expected)) {
                if (actual.isEmpty()) {
                    return Optional.empty();
                }
                params.put(expected.substring(1, expected.length() - 1), actual);
            } else if (!expected.equals(actual)) {
                return Optional.empty();
            }
        }
        return Optional.of(params);
    }

    /** Patterns with more literal segments win over patterns with parameters in the same place. */
    int literalCount() {
        return literalCount;
    }

    /** The pattern with parameter names erased, so {@code /a/{x}} and {@code /a/{y}} compare equal. */
    String shape() {
        StringBuilder b = new StringBuilder();
        for (String s : segments) {
            b.append('/').append(isParam(s) ? "{}" : s);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return text;
    }

    /** Splits a raw path into its segments (the leading '/' gives no segment; "/" gives none). */
    static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        if (path.equals("/")) {
            return out;
        }
        int start = 1;
        while (true) {
            int slash = path.indexOf('/', start);
            if (slash < 0) {
                out.add(path.substring(start));
                return out;
            }
            out.add(path.substring(start, slash));
            start = slash + 1;
        }
    }

    private static boolean isParam(String segment) {
        return segment.length() >= 2 && segment.startsWith("{") && segment.endsWith("}");
    }
}
