package dev.ferry.mapper.sim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Checks that the requests one suspension queued reached the leaves in the order they were issued. */
final class ArrivalOrder {

    private ArrivalOrder() {
    }

    /** Fails (through {@code failure}) if queued requests of one suspension reached the leaves out of order. */
    static void check(List<SimOp> ops, Collection<QueuedBlockDevice> leaves, Function<String, AssertionError> failure) {
        Map<String, List<SimOp>> byEpoch = new HashMap<>();
        for (SimOp op : ops) {
            if (op.epoch() != null && op.buffer() != null) {
                byEpoch.computeIfAbsent(op.epoch(), k -> new ArrayList<>()).add(op);
            }
        }
        for (List<SimOp> queued : byEpoch.values()) {
            queued.sort(Comparator.comparingLong(SimOp::seq));
            long previous = -1;
            SimOp before = null;
            for (SimOp op : queued) {
                long arrival = firstArrival(leaves, op.buffer());
                if (arrival < 0) {
                    throw failure.apply(op + " never reached a leaf");
                }
                if (arrival < previous) {
                    throw failure.apply("queued " + op + " reached the leaves before " + before);
                }
                previous = arrival;
                before = op;
            }
        }
    }

    private static long firstArrival(Collection<QueuedBlockDevice> leaves, byte[] buffer) {
        long first = -1;
        for (QueuedBlockDevice l : leaves) {
            long a = l.firstArrival(buffer);
            if (a >= 0 && (first < 0 || a < first)) {
                first = a;
            }
        }
        return first;
    }
}
