package dev.ferry.daemon.activation;

import java.util.OptionalDouble;

/**
 * Reads mirror synchronisation from {@code dmsetup status} text, as LVM computes {@code copy_percent}: each
 * mirror line reads {@code start len mirror N dev{N} in_sync/total ...}; the percentage weighs every mirror
 * line by its length.
 */
final class MirrorStatus {
    private MirrorStatus() {
    }

    /** Percent of mirrored sectors in sync, or empty if no line is a mirror. */
    static OptionalDouble copyPercent(String status) {
        double inSync = 0;
        long total = 0;
        for (String line : status.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length < 5 || !t[2].equals("mirror")) {
                continue;
            }
            long length = Long.parseLong(t[1]);
            int legs = Integer.parseInt(t[3]);
            String[] ratio = t[4 + legs].split("/");
            long regions = Long.parseLong(ratio[1]);
            inSync += regions == 0 ? length : (double) length * Long.parseLong(ratio[0]) / regions;
            total += length;
        }
        return total == 0 ? OptionalDouble.empty() : OptionalDouble.of(100.0 * inSync / total);
    }
}
