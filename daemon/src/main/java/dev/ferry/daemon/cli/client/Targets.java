package dev.ferry.daemon.cli.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.StringJoiner;

/** Builds request targets: percent-encoded path segments and query strings, as the control server decodes them. */
public final class Targets {
    private final StringBuilder path;
    private final StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");

    private Targets(String base) {
        this.path = new StringBuilder(base);
    }

    /** A target starting with the literal path {@code base}, e.g. {@code /v1/vgs}. */
    public static Targets path(String base) {
        return new Targets(base);
    }

    /** Appends {@code /segment}, encoded. */
    public Targets segment(String segment) {
        path.append('/').append(encode(segment));
        return this;
    }

    /** Appends the literal path {@code suffix}, e.g. {@code /resize}. */
    public Targets literal(String suffix) {
        path.append(suffix);
        return this;
    }

    /** Adds {@code name=value} (encoded) to the query. */
    public Targets param(String name, String value) {
        query.add(encode(name) + "=" + encode(value));
        return this;
    }

    /** Adds the flag {@code name=true} when {@code on}. */
    public Targets flag(String name, boolean on) {
        return on ? param(name, "true") : this;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return path + query.toString();
    }
}
