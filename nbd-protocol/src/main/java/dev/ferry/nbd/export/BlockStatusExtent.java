package dev.ferry.nbd.export;

import dev.ferry.nbd.NbdConstants;

/**
 * One extent of a {@code base:allocation} block status answer.
 *
 * @param length bytes covered, positive
 * @param flags  {@link NbdConstants#NBD_STATE_HOLE} and/or {@link NbdConstants#NBD_STATE_ZERO}
 */
public record BlockStatusExtent(long length, int flags) {

    /** Validates the extent. */
    public BlockStatusExtent {
        if (length <= 0) {
            throw new IllegalArgumentException("extent length must be positive: " + length);
        }
    }

    /** An allocated extent holding data. */
    public static BlockStatusExtent data(long length) {
        return new BlockStatusExtent(length, 0);
    }

    /** An unallocated extent that reads as zeroes. */
    public static BlockStatusExtent hole(long length) {
        return new BlockStatusExtent(length, NbdConstants.NBD_STATE_HOLE | NbdConstants.NBD_STATE_ZERO);
    }
}
