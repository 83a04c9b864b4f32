package dev.ferry.mapper.copy;

/**
 * Copier tuning.
 *
 * @param chunkSize     bytes per read/write chunk (and per pooled buffer)
 * @param maxInFlight   chunks one job keeps in flight at most
 * @param buffers       direct buffers shared by all jobs of the copier
 * @param rateLimit     initial limit in bytes/s for data copied by all jobs together; 0 = unlimited
 */
public record CopierConfig(int chunkSize, int maxInFlight, int buffers, long rateLimit) {

    /** 1 MiB chunks. */
    public static final int DEFAULT_CHUNK = 1 << 20;

    /** Validates the configuration. */
    public CopierConfig {
        if (chunkSize < 512 || chunkSize % 512 != 0) {
            throw new IllegalArgumentException("chunkSize must be a positive multiple of 512, got " + chunkSize);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        if (buffers < 1) {
            throw new IllegalArgumentException("buffers must be >= 1, got " + buffers);
        }
        if (rateLimit < 0) {
            throw new IllegalArgumentException("rateLimit must be >= 0, got " + rateLimit);
        }
    }

    /** 1 MiB chunks, 8 in flight per job, 16 buffers, unlimited rate. */
    public static CopierConfig defaults() {
        return new CopierConfig(DEFAULT_CHUNK, 8, 16, 0);
    }
}
