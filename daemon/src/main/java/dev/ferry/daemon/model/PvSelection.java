package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code PV[:PE-range[:PE-range...]]} argument restricting allocation. A range is {@code A-B} (inclusive),
 * {@code A+N} (N extents from A) or {@code A} (one extent); no range means the whole PV.
 */
public record PvSelection(String path, List<PeRun> ranges) {
    private static final long MAX_PE = 0xFFFF_FFFFL;

    /** Copies the ranges. */
    public PvSelection {
        ranges = List.copyOf(ranges);
    }

    /** Parses {@code PV[:range...]}. */
    public static PvSelection parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts[0].isEmpty()) {
            throw bad(text, "missing PV name");
        }
        List<PeRun> ranges = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            ranges.add(range(text, parts[i]));
        }
        return new PvSelection(parts[0], ranges);
    }

    private static PeRun range(String text, String r) {
        try {
            int dash = r.indexOf('-');
            int plus = r.indexOf('+');
            long start;
            long endInclusive;
            if (dash > 0) {
                start = pe(r.substring(0, dash));
                endInclusive = pe(r.substring(dash + 1));
            } else if (plus > 0) {
                start = pe(r.substring(0, plus));
                long count = pe(r.substring(plus + 1));
                if (count == 0) {
                    throw bad(text, "empty range " + r);
                }
                endInclusive = start + count - 1;
            } else {
                start = pe(r);
                endInclusive = start;
            }
            if (endInclusive < start) {
                throw bad(text, "range " + r + " ends before it starts");
            }
            return new PeRun(start, endInclusive - start + 1);
        } catch (NumberFormatException e) {
            throw bad(text, "bad PE range '" + r + "'");
        }
    }

    private static long pe(String s) {
        long v = Long.parseLong(s);
        if (v < 0 || v > MAX_PE) {
            throw new NumberFormatException(s);
        }
        return v;
    }

    private static VolumeException bad(String text, String why) {
        return new VolumeException(ErrorCode.INVALID_ARGUMENT, "Invalid PV argument '" + text + "': " + why);
    }
}
