package dev.ferry.mapper.block;

/**
 * A contiguous byte range of a device and its allocation state.
 *
 * @param offset    first byte
 * @param length    bytes covered, positive
 * @param allocated the range holds data on the medium (false: a hole)
 * @param zero      the range is known to read as zeroes
 */
public record Extent(long offset, long length, boolean allocated, boolean zero) {

    /** Validates the extent. */
    public Extent {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("bad extent offset=" + offset + " length=" + length);
        }
    }

    /** An allocated range of data. */
    public static Extent data(long offset, long length) {
        return new Extent(offset, length, true, false);
    }

    /** An unallocated range reading as zeroes. */
    public static Extent hole(long offset, long length) {
        return new Extent(offset, length, false, true);
    }

    /** First byte after the extent. */
    public long end() {
        return offset + length;
    }
}
