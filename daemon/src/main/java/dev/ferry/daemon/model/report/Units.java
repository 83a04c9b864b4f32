package dev.ferry.daemon.model.report;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Size display units as LVM's {@code --units}: {@code h} human-readable, {@code b} bytes, {@code s} sectors,
 * {@code k m g t p e} powers of 1024; upper case ({@code H K M G T P E}) uses powers of 1000. Fractional values
 * show two decimals, rounded down and prefixed with {@code <} when not exact. Without {@code suffix}
 * ({@code --nosuffix}) the unit letter is left off.
 */
public record Units(char unit, boolean suffix) {
    /** LVM's default, human-readable binary units. */
    public static final Units HUMAN = new Units('h');
    private static final String SCALES = "kmgtpe";

    /** Units that print their suffix. */
    public Units(char unit) {
        this(unit, true);
    }

    /** Validates the unit character. */
    public Units {
        if ("hHbBsSkKmMgGtTpPeE".indexOf(unit) < 0) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Invalid units '" + unit
                    + "': use one of h b s k m g t p e (upper case for powers of 1000)");
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
        long base = si ? 1000 : 1024;
        int exponent;
        if (u == 'h' || u == 'H') {
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
        BigDecimal exact = BigDecimal.valueOf(bytes).divide(BigDecimal.valueOf(pow(base, exponent)), 20,
                RoundingMode.DOWN);
        BigDecimal shown = exact.setScale(2, RoundingMode.DOWN);
        char suffix = SCALES.charAt(exponent - 1);
        return (shown.compareTo(exact) != 0 ? "<" : "") + shown.toPlainString()
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
