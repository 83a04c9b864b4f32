package dev.ferry.daemon.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses LVM-style sizes: a number (decimals allowed when the result is a whole number of bytes) and
 * an optional unit: {@code b} bytes (the default), {@code s} 512-byte sectors, {@code K M G T P}
 * powers of 1024 (case-insensitive, {@code KiB} etc. accepted).
 */
public final class SizeArgument implements ITypeConverter<Long> {

    private static final Pattern SYNTAX = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z]*)");

    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("", 1L), Map.entry("b", 1L), Map.entry("s", 512L),
            Map.entry("k", 1L << 10), Map.entry("kib", 1L << 10),
            Map.entry("m", 1L << 20), Map.entry("mib", 1L << 20),
            Map.entry("g", 1L << 30), Map.entry("gib", 1L << 30),
            Map.entry("t", 1L << 40), Map.entry("tib", 1L << 40),
            Map.entry("p", 1L << 50), Map.entry("pib", 1L << 50));

    private static final String EXPECTED = "expected a number with an optional unit: b (bytes, the default), "
            + "s (512-byte sectors), K, M, G, T, P (powers of 1024), e.g. 1G, 1.5T or 2048s";

    /** Parses {@code text} into a positive number of bytes, or throws with a message naming the problem. */
    public static long parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        Matcher m = SYNTAX.matcher(trimmed);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size '" + text + "': " + EXPECTED);
        }
        Long unit = UNITS.get(m.group(2).toLowerCase(Locale.ROOT));
        if (unit == null) {
            throw new IllegalArgumentException("invalid size '" + text + "': unknown unit '" + m.group(2) + "'; "
                    + EXPECTED);
        }
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        BigInteger whole;
        try {
            whole = bytes.toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("invalid size '" + text + "': " + bytes.stripTrailingZeros().toPlainString()
                    + " is not a whole number of bytes", e);
        }
        if (whole.signum() == 0) {
            throw new IllegalArgumentException("invalid size '" + text + "': must be greater than zero");
        }
        if (whole.bitLength() > 63) {
            throw new IllegalArgumentException("invalid size '" + text + "': larger than " + Long.MAX_VALUE
                    + " bytes");
        }
        return whole.longValueExact();
    }

    @Override
    public Long convert(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
