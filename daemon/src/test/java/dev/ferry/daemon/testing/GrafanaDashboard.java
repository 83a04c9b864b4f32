package dev.ferry.daemon.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana dashboard of {@code docker/grafana/ferry-dashboard.json}, read as JSON: the Ferry sample names its
 * panels' queries and its template variables' queries use (e.g. {@code ferry_nbd_request_seconds_bucket}).
 */
public final class GrafanaDashboard {
    /** The dashboard file, from the daemon module's directory (the tests' working directory). */
    public static final Path FILE = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("docker/grafana/ferry-dashboard.json");
    private static final Pattern SAMPLE = Pattern.compile("\\bferry_[a-z0-9_]+");

    private GrafanaDashboard() {
    }

    /**
     * The sample names the queries use; fails unless the file is JSON with a title, panels and, in every panel that
     * is not a row, at least one query.
     */
    public static Set<String> queriedSamples() {
        JsonNode dashboard;
        try {
            dashboard = new ObjectMapper().readTree(FILE.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + FILE, e);
        }
        if (!dashboard.path("title").isTextual() || !dashboard.path("panels").isArray()) {
            throw new AssertionError(FILE + " has no title or no panels");
        }
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            if (panel.path("targets").isEmpty()) {
                throw new AssertionError("panel '" + panel.path("title").asText() + "' of " + FILE + " has no query");
            }
            for (JsonNode target : panel.path("targets")) {
                add(target.path("expr").asText(), names);
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            add(variable.path("query").path("query").asText(), names);
        }
        return names;
    }

    private static void add(String query, Set<String> names) {
        Matcher m = SAMPLE.matcher(query);
        while (m.find()) {
            names.add(m.group());
        }
    }
}
