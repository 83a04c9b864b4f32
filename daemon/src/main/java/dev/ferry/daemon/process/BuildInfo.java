package dev.ferry.daemon.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The Ferry version this build carries (from {@code build.properties}, filtered by Maven). */
public final class BuildInfo {
    /** The control API version in every path ({@code /v1/...}). */
    public static final String API_VERSION = "v1";

    private static final String VERSION = load();

    private BuildInfo() {
    }

    /** The Ferry version, e.g. {@code 0.1.0-SNAPSHOT}; "unknown" when the build did not record it. */
    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read build.properties", e);
        }
    }
}
