package dev.ferry.daemon.api;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import java.math.BigDecimal;

/** Turns the LVM size strings of request bodies into byte counts and {@link SizeSpec}s. */
final class Sizes {
    private Sizes() {
    }

    /**
     * An absolute whole number of bytes, e.g. {@code 4m}; a bare number is in {@code defaultUnit}
     * ({@code m} for most options, {@code k} for stripe sizes), as LVM reads it.
     */
    static long bytes(String text, char defaultUnit, String what) {
        String t = text.strip();
        if (!t.isEmpty() && Character.isDigit(t.charAt(t.length() - 1))) {
            t = t + defaultUnit;
        }
        SizeSpec spec;
        try {
            spec = SizeSpec.parseSize(t);
        } catch (VolumeException e) {
            throw invalid("Invalid " + what + " '" + text + "': expected NUMBER[b|s|k|m|g|t|p|e]");
        }
        if (spec.sign() != SizeSpec.Sign.ABSOLUTE) {
            throw invalid("Invalid " + what + " '" + text + "': a sign is not allowed here");
        }
        BigDecimal v = spec.value();
        if (v.signum() == 0 || v.stripTrailingZeros().scale() > 0 || v.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw invalid("Invalid " + what + " '" + text + "': must be a positive whole number of bytes below 8 EiB");
        }
        return v.longValueExact();
    }

    /** {@code -L} or {@code -l}: exactly one of them. */
    static SizeSpec lvSize(String size, String extents) {
        if ((size == null) == (extents == null)) {
            throw invalid("Please specify either size or extents (not both).");
        }
        return size != null ? SizeSpec.parseSize(size) : SizeSpec.parseExtents(extents);
    }

    private static VolumeException invalid(String message) {
        return new VolumeException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
