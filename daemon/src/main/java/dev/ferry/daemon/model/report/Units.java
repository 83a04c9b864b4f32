package dev.ferry.daemon.model.report;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Size display units as LVM 2.03's {@code --units}: {@code r} human-readable (the default) and {@code h} the same
 * without the rounding mark, {@code b} bytes, {@code s} sectors, {@code k m g t p e} powers of 1024; upper case
 * ({@code R H K M G T P E}) uses powers of 1000. Values show two decimals, rounded to the nearest (ties to even, as
 * C's {@code printf} rounds); with {@code r} a value that was rounded up is marked {@code <} ({@code <2.00g} for
 * 2043 MiB). Without {@code suffix} ({@code --nosuffix}) the unit letter is left off.
 */
public record Units(char unit, boolean suffix) {
    /** LVM's default, human-readable binary units with the rounding mark. */
    public static final Units HUMAN = new Units('r');
    private static final String SCALES = "kmgtpe";

    /** Units that print their suffix. */
    public Units(char unit) {
        this(unit, true);
    }

    /** Validates the unit character. */
    public Units {
        if ("rRhHbBsSkKmMgGtTpPeE".indexOf(unit) < 0) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Invalid units '" + unit
                    + "': use one of r h b s k m g t p e (upper case for powers of 1000)");
        }
    }

    /** Parses a {@code --units} argument (one character). */
    public static Units parse(String text) {
        if (text == null || text.length() != 1) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Invalid units '" + text + "'");
        }
        return new Units(text.charAt(0));
    }

    /** These units without the suffix letter ({@code --nosuffix}). */
    public Units withoutSuffix() {
        return new Units(unit, false);
    }

    /** Formats {@code bytes}. */
    public String format(long bytes) {
        String text = formatWithSuffix(bytes);
        return suffix ? text : text.substring(0, text.length() - 1);
    }

    private String formatWithSuffix(long bytes) {
        char u = unit;
        if (u == 'b' || u == 'B') {
            return bytes + "B";
        }
        if (u == 's' || u == 'S') {
            return (bytes / 512) + "S";
        }
        boolean si = Character.isUpperCase(u);
        boolean human = "rRhH".indexOf(u) >= 0;
        long base = si ? 1000 : 1024;
        int exponent;
        if (human) {
            if (bytes == 0) {
                return "0 ";
            }
            exponent = 1;
            while (exponent < SCALES.length() && bytes >= pow(base, exponent + 1)) {
                exponent++;
            }
        } else {
            exponent = SCALES.indexOf(Character.toLowerCase(u)) + 1;
        }
        BigDecimal hundredths = BigDecimal.valueOf(bytes).multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(pow(base, exponent)), 20, RoundingMode.DOWN);
        BigDecimal nearest = hundredths.setScale(0, RoundingMode.HALF_EVEN);
        boolean roundedUp = nearest.compareTo(hundredths.setScale(0, RoundingMode.FLOOR)) > 0;
        char suffix = SCALES.charAt(exponent - 1);
        return ((u == 'r' || u == 'R') && roundedUp ? "<" : "") + nearest.movePointLeft(2).setScale(2).toPlainString()
                + (si ? Character.toUpperCase(suffix) : suffix);
    }

    private static long pow(long base, int exponent) {
        long r = 1;
        for (int i = 0; i < exponent; i++) {
            r *= base;
        }
        return r;
    }
}
