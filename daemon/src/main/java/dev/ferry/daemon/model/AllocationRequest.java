package dev.ferry.daemon.model;

import java.util.List;

/**
 * What to allocate: {@code extentsPerArea} PEs in each of {@code parallel} areas (1 for linear, the stripe count,
 * or the mirror leg count) under {@code policy}, extending an LV whose current segments are {@code existing}.
 */
public record AllocationRequest(int parallel, long extentsPerArea, AllocationPolicy policy, List<Segment> existing) {
    /** Validates the request. */
    public AllocationRequest {
        existing = List.copyOf(existing);
        if (parallel < 1 || extentsPerArea < 1 || policy == AllocationPolicy.INHERIT) {
            throw new IllegalArgumentException("bad allocation request " + parallel + "x" + extentsPerArea + " "
                    + policy);
        }
    }
}
