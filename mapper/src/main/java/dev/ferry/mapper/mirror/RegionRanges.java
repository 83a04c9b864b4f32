package dev.ferry.mapper.mirror;

import java.util.BitSet;

/**
 * The region-range syntax of the {@code stale} feature: comma-separated ascending, non-overlapping ranges, each
 * {@code a-b} (inclusive) or {@code a}, e.g. {@code 0-3,7,9-12}.
 */
final class RegionRanges {

    private RegionRanges() {
    }

    /**
     * Parses {@code text} into the regions it names, each in [0, {@code regionCount}); {@code what} names the
     * ranges in error messages.
     */
    static BitSet parse(String text, int regionCount, String what) {
        BitSet regions = new BitSet(regionCount);
        long previousEnd = -1;
        for (String range : text.split(",", -1)) {
            int dash = range.indexOf('-');
            long first = number(dash < 0 ? range : range.substring(0, dash), range, what);
            long last = dash < 0 ? first : number(range.substring(dash + 1), range, what);
            if (last < first) {
                throw new IllegalArgumentException("mirror: " + what + ": range '" + range + "' ends before it starts");
            }
            if (first <= previousEnd) {
                throw new IllegalArgumentException("mirror: " + what + ": range '" + range
                        + "' overlaps or precedes the range before it (ranges must ascend)");
            }
            if (last >= regionCount) {
                throw new IllegalArgumentException("mirror: " + what + ": range '" + range + "' outside regions 0.."
                        + (regionCount - 1));
            }
            regions.set((int) first, (int) last + 1);
            previousEnd = last;
        }
        return regions;
    }

    private static long number(String digits, String range, String what) {
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("mirror: " + what + ": '" + range
                    + "' is not a region number or an a-b range");
        }
        return Long.parseLong(digits);
    }
}
