package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code PV[:PE-range[:PE-range...]]} argument restricting allocation. A range is {@code A-B} (inclusive),
 * {@code A+N} (N extents from A) or {@code A} (one extent); no range means the whole PV.
 */
public record PvSelection(String path, List<PeRun> ranges) {
    private static final long MAX_PE = 0xFFFF_FFFFL;
    private static final Pattern URI_RANGES = Pattern.compile("(:[0-9]+([-+][0-9]+)?)+$");

    /** Copies the ranges. */
    public PvSelection {
        ranges = List.copyOf(ranges);
    }

    /**
     * Parses {@code PV[:range...]}. A remote PV's URI keeps its own colons: only a trailing run of
     * {@code :range} parts after the start of its path counts as ranges.
     */
    public static PvSelection parse(String text) {
        if (PvUri.isUri(text)) {
            int pathStart = text.indexOf('/', text.indexOf("://") + 3);
            Matcher m = URI_RANGES.matcher(text);
            if (pathStart >= 0 && m.find(pathStart)) {
                PvSelection ranges = parse("pv" + m.group());
                return new PvSelection(text.substring(0, m.start()), ranges.ranges());
            }
            return new PvSelection(text, List.of());
        }
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
