package dev.ferry.daemon.command;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parses the duration syntax shared by options and config keys: {@code 500ms}, {@code 30s}, {@code 2m}. */
public final class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SYNTAX = Pattern.compile("^(\\d{1,9})(ms|s|m)$");

    /** Parses a positive duration; throws {@link IllegalArgumentException} naming the expected syntax. */
    public static Duration parse(String text) {
        Matcher m = SYNTAX.matcher(text == null ? "" : text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
            if (!d.isZero()) {
                return d;
            }
        }
        throw new IllegalArgumentException("expected a positive duration such as 500ms, 30s or 2m, got '" + text + "'");
    }

    @Override
    public Duration convert(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
