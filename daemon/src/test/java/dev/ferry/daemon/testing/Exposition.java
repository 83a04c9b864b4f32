package dev.ferry.daemon.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text exposition (what {@code GET /metrics} returns), for assertions on its samples. */
public final class Exposition {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final String text;

    private Exposition(List<Sample> samples, String text) {
        this.samples = samples;
        this.text = text;
    }

    /** Parses {@code text}, skipping comments and blank lines. */
    public static Exposition parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return new Exposition(out, text);
    }

    /** The names of the samples, each once. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** The samples called {@code name} whose labels include every {@code key, value} pair given. */
    public List<Sample> samples(String name, String... labelPairs) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), labelPairs)) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * The value of the one sample called {@code name} with those labels.
     *
     * @throws AssertionError if none or several match (showing the exposition)
     */
    public double value(String name, String... labelPairs) {
        List<Sample> found = samples(name, labelPairs);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + " " + List.of(labelPairs) + " in:\n" + text);
        }
        return found.get(0).value();
    }

    /** The sum of the samples called {@code name} with those labels (0 if none). */
    public double sum(String name, String... labelPairs) {
        return samples(name, labelPairs).stream().mapToDouble(Sample::value).sum();
    }

    /** The text as scraped. */
    public String text() {
        return text;
    }

    private static boolean matches(Map<String, String> labels, String[] pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
