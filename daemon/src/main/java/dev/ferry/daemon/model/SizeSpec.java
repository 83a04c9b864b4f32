package dev.ferry.daemon.model;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An LV size argument as LVM spells it: {@code -L [+|-]SIZE[UNIT]} (bytes, default unit MiB) or
 * {@code -l [+|-]N[%VG|%FREE|%PVS]} (extents or a percentage).
 */
public record SizeSpec(Sign sign, Kind kind, BigDecimal value) {

    /** Whether the size is absolute or relative to the LV's current size. */
    public enum Sign {
        /** The new size. */
        ABSOLUTE,
        /** Add to the current size. */
        PLUS,
        /** Subtract from the current size. */
        MINUS
    }

    /** What {@link #value} counts. */
    public enum Kind {
        /** Bytes. */
        BYTES,
        /** Extents. */
        EXTENTS,
        /** Percent of the VG's extents. */
        PERCENT_VG,
        /** Percent of the VG's free extents. */
        PERCENT_FREE,
        /** Percent of the extents of the PVs named for allocation. */
        PERCENT_PVS
    }

    private static final Pattern SIZE = Pattern.compile("([+-]?)(\\d+(?:\\.\\d+)?)([bBsSkKmMgGtTpPeE]?)");
    private static final Pattern EXTENTS = Pattern.compile("([+-]?)(\\d+)(%VG|%FREE|%PVS)?");
    private static final String UNITS = "bskmgtpe";

    /** Parses a {@code -L} argument; the default unit is MiB, units are binary and case-insensitive. */
    public static SizeSpec parseSize(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Invalid size '" + text
                    + "': expected [+|-]NUMBER[b|s|k|m|g|t|p|e]");
        }
        String unit = m.group(3).isEmpty() ? "m" : m.group(3).toLowerCase(Locale.ROOT);
        BigDecimal multiplier = unit.equals("b") ? BigDecimal.ONE : unit.equals("s") ? BigDecimal.valueOf(512)
                : BigDecimal.valueOf(1024).pow(UNITS.indexOf(unit) - 1);
        return new SizeSpec(sign(m.group(1)), Kind.BYTES, new BigDecimal(m.group(2)).multiply(multiplier));
    }

    /** Parses a {@code -l} argument. */
    public static SizeSpec parseExtents(String text) {
        Matcher m = EXTENTS.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Invalid extent count '" + text
                    + "': expected [+|-]N or N%VG, N%FREE, N%PVS");
        }
        Kind kind = m.group(3) == null ? Kind.EXTENTS : switch (m.group(3)) {
            case "%VG" -> Kind.PERCENT_VG;
            case "%FREE" -> Kind.PERCENT_FREE;
            default -> Kind.PERCENT_PVS;
        };
        return new SizeSpec(sign(m.group(1)), kind, new BigDecimal(m.group(2)));
    }

    /**
     * The LV size in extents this spec asks for. Bytes round up to whole extents; percentages round down and
     * count the space of all {@code copies} (mirror legs), so {@code 100%FREE} of a 2-leg mirror is half the
     * free extents.
     *
     * @param current the LV's current extents (0 for a new LV)
     */
    public long resolve(long current, long extentSize, long vgExtents, long vgFree, long pvsExtents, int copies) {
        BigDecimal amount = switch (kind) {
            case BYTES -> value.divide(BigDecimal.valueOf(extentSize), 0, RoundingMode.CEILING);
            case EXTENTS -> value;
            case PERCENT_VG -> percent(vgExtents, copies);
            case PERCENT_FREE -> percent(vgFree, copies);
            case PERCENT_PVS -> percent(pvsExtents, copies);
        };
        if (amount.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 2)) > 0) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Size " + this + " is too large");
        }
        long n = amount.longValueExact();
        return switch (sign) {
            case ABSOLUTE -> n;
            case PLUS -> current + n;
            case MINUS -> current - n;
        };
    }

    private BigDecimal percent(long base, int copies) {
        if (value.compareTo(BigDecimal.valueOf(100)) > 0 && kind != Kind.PERCENT_FREE) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Percentage " + value + " exceeds 100");
        }
        return value.multiply(BigDecimal.valueOf(base)).divide(BigDecimal.valueOf(100L * copies), 0,
                RoundingMode.FLOOR);
    }

    private static Sign sign(String s) {
        return s.isEmpty() ? Sign.ABSOLUTE : s.equals("+") ? Sign.PLUS : Sign.MINUS;
    }
}
