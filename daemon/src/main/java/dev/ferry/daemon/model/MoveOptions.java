package dev.ferry.daemon.model;

import java.util.UUID;

/**
 * The persisted options of a pvmove, carried by its hidden LV: the source PV, {@code --atomic}, the rate limit in
 * bytes/s (0 = none), the allocation policy used, the name of the LV holding the region logs, and {@code --verify}
 * (compare source and destination before each segment switches).
 */
public record MoveOptions(UUID source, boolean atomic, long rateLimit, AllocationPolicy alloc, String logLv,
                          boolean verify) {
    /** Validates the fields. */
    public MoveOptions {
        if (source == null || rateLimit < 0 || alloc == null || logLv == null) {
            throw new IllegalArgumentException("bad move options");
        }
    }

    /** The same options with another rate limit. */
    public MoveOptions withRate(long bytesPerSecond) {
        return new MoveOptions(source, atomic, bytesPerSecond, alloc, logLv, verify);
    }
}
