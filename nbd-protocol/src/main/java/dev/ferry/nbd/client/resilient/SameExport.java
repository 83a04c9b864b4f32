package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_FLAG_READ_ONLY;

import dev.ferry.nbd.client.NbdExportInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether a reconnection reached the same export: the same size, no transmission flag lost, not turned read-only, no
 * meta context lost.
 */
final class SameExport {

    /** Names of the transmission flag bits, bit 0 first. */
    private static final String[] FLAGS = {"HAS_FLAGS", "READ_ONLY", "SEND_FLUSH", "SEND_FUA", "ROTATIONAL",
        "SEND_TRIM", "SEND_WRITE_ZEROES", "SEND_DF", "CAN_MULTI_CONN", "SEND_RESIZE", "SEND_CACHE", "SEND_FAST_ZERO",
        "BLOCK_STAT_PAYLOAD"};

    private SameExport() {
    }

    /** Null when {@code now} may serve for {@code before}, else the precise difference. */
    static String difference(NbdExportInfo before, NbdExportInfo now) {
        String name = "export '" + before.name() + "'";
        if (now.size() < before.size()) {
            return name + " shrank from " + before.size() + " to " + now.size() + " bytes";
        }
        if (now.size() != before.size()) {
            return name + " grew from " + before.size() + " to " + now.size() + " bytes";
        }
        int lost = before.transmissionFlags() & ~now.transmissionFlags();
        if (lost != 0) {
            return name + " lost transmission flag(s) " + names(lost);
        }
        if (now.hasFlag(NBD_FLAG_READ_ONLY) && !before.hasFlag(NBD_FLAG_READ_ONLY)) {
            return name + " became read-only";
        }
        return null;
    }

    /**
     * Null when {@code now}, selecting meta contexts {@code nowContexts}, may serve for {@code before}, which selected
     * {@code beforeContexts}; else the precise difference.
     */
    static String difference(NbdExportInfo before, Set<String> beforeContexts, NbdExportInfo now,
                             Set<String> nowContexts) {
        String difference = difference(before, now);
        if (difference != null) {
            return difference;
        }
        Set<String> lost = new TreeSet<>(beforeContexts);
        lost.removeAll(nowContexts);
        return lost.isEmpty() ? null : "export '" + before.name() + "' lost meta context(s) " + String.join(", ", lost);
    }

    private static String names(int flags) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 16; bit++) {
            if ((flags & (1 << bit)) != 0) {
                out.add("NBD_FLAG_" + (bit < FLAGS.length ? FLAGS[bit] : "BIT" + bit));
            }
        }
        return String.join(", ", out);
    }
}
