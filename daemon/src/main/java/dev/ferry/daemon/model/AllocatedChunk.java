package dev.ferry.daemon.model;

import java.util.List;

/** One piece of an allocation: {@code length} PEs in each of the parallel areas (stripes or legs). */
public record AllocatedChunk(long length, List<Area> areas) {
    /** Copies the areas. */
    public AllocatedChunk {
        areas = List.copyOf(areas);
    }
}
