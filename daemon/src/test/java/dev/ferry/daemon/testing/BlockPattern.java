package dev.ferry.daemon.testing;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The content of block {@code b} at write sequence {@code s}: a header (magic, block, sequence) followed by
 * bytes derived from a seed, block and sequence, so a verifier can recompute any version without storing it
 * and tell, sector by sector, which version a block holds.
 */
public final class BlockPattern {

    /** A sector: the unit in which an unacknowledged write may have landed. */
    public static final int SECTOR = 512;
    private static final long MAGIC = 0x4652594B424C4B31L; // "FRYKBLK1"

    private final long seed;
    private final int blockSize;

    /** Patterns of {@code blockSize} bytes (a multiple of {@link #SECTOR}) for a writer seeded {@code seed}. */
    public BlockPattern(long seed, int blockSize) {
        if (blockSize <= 0 || blockSize % SECTOR != 0) {
            throw new IllegalArgumentException("block size must be a positive multiple of 512: " + blockSize);
        }
        this.seed = seed;
        this.blockSize = blockSize;
    }

    /** The block size. */
    public int blockSize() {
        return blockSize;
    }

    /** Version {@code seq} of block {@code block}. */
    public byte[] content(long block, long seq) {
        byte[] data = new byte[blockSize];
        new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ block * 0xC2B2AE3D27D4EB4FL ^ seq).nextBytes(data);
        ByteBuffer.wrap(data).putLong(MAGIC).putLong(block).putLong(seq);
        return data;
    }

    /**
     * Whether every sector of {@code actual} (at {@code offset} in a larger buffer) equals the same sector of
     * one of the versions {@code seqs} of {@code block}; with one version this is plain equality.
     */
    public boolean matchesSectorwise(byte[] actual, int offset, long block, long... seqs) {
        byte[][] versions = new byte[seqs.length][];
        for (int i = 0; i < seqs.length; i++) {
            versions[i] = content(block, seqs[i]);
        }
        for (int sector = 0; sector < blockSize; sector += SECTOR) {
            boolean any = false;
            for (byte[] v : versions) {
                if (java.util.Arrays.equals(actual, offset + sector, offset + sector + SECTOR, v, sector,
                        sector + SECTOR)) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    /** Whether the block at {@code offset} of {@code actual} is exactly version {@code seq}. */
    public boolean matches(byte[] actual, int offset, long block, long seq) {
        return java.util.Arrays.equals(actual, offset, offset + blockSize, content(block, seq), 0, blockSize);
    }

    /** A short description of what the block at {@code offset} of {@code actual} holds, for failure messages. */
    public String describe(byte[] actual, int offset) {
        ByteBuffer b = ByteBuffer.wrap(actual, offset, blockSize);
        long magic = b.getLong();
        return magic == MAGIC ? "header block=" + b.getLong() + " seq=" + b.getLong() : "no header (0x"
                + Long.toHexString(magic) + ")";
    }
}
