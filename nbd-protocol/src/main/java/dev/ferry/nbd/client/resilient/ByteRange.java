package dev.ferry.nbd.client.resilient;

import java.util.List;

/** A byte range {@code [offset, offset + length)} of an export. */
public record ByteRange(long offset, long length) {

    /** Validates the range: offset not negative, length positive. */
    public ByteRange {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("bad byte range: offset " + offset + ", length " + length);
        }
    }

    /** The first byte past the range. */
    public long end() {
        return offset + length;
    }

    @Override
    public String toString() {
        return "[" + offset + ", +" + length + ")";
    }

    /** A short text for error messages: the first few ranges and how many there are. */
    static String describe(List<ByteRange> ranges) {
        long bytes = ranges.stream().mapToLong(ByteRange::length).sum();
        String shown = ranges.size() <= 4 ? ranges.toString() : ranges.subList(0, 4) + "...";
        return ranges.size() + " range(s), " + bytes + " bytes " + shown;
    }
}
