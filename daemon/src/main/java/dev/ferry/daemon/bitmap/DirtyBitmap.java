package dev.ferry.daemon.bitmap;

import dev.ferry.nbd.export.BlockStatusExtent;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * One named dirty bitmap: a bit per {@code granularity} bytes of its LV, set by every write, trim or zeroing that
 * touches the granule, before the operation is issued. Thread-safe. An inconsistent bitmap (its daemon stopped
 * uncleanly while it was in use) may have lost bits: it is not offered over NBD and can only be removed.
 */
public final class DirtyBitmap {

    /** Granularity unless one is asked for: 64 KiB, as qemu's default for most images. */
    public static final long DEFAULT_GRANULARITY = 64 * 1024;
    /** {@code NBD_STATE_DIRTY}: bit 0 of a {@code qemu:dirty-bitmap} context. */
    public static final int DIRTY = 1;

    private final String name;
    private final long granularity;
    private final boolean inconsistent;
    private final BitSet bits;

    /** A bitmap with {@code bits} set; {@code granularity} must be a power of two of at least 512. */
    DirtyBitmap(String name, long granularity, boolean inconsistent, BitSet bits) {
        if (granularity < 512 || Long.bitCount(granularity) != 1) {
            throw new IllegalArgumentException("granularity must be a power of two of at least 512: " + granularity);
        }
        this.name = name;
        this.granularity = granularity;
        this.inconsistent = inconsistent;
        this.bits = (BitSet) bits.clone();
    }

    /** Its name (the part after {@code qemu:dirty-bitmap:}). */
    public String name() {
        return name;
    }

    /** Bytes per bit. */
    public long granularity() {
        return granularity;
    }

    /** Whether bits may have been lost in an unclean shutdown. */
    public boolean inconsistent() {
        return inconsistent;
    }

    /** Marks every granule {@code [offset, offset + length)} touches. */
    public void mark(long offset, long length) {
        if (length <= 0) {
            return;
        }
        int first = index(offset);
        int end = index(offset + length - 1) + 1;
        synchronized (bits) {
            bits.set(first, end);
        }
    }

    /** Clears every bit. */
    void clear() {
        synchronized (bits) {
            bits.clear();
        }
    }

    /** Bytes covered by set bits. */
    public long dirtyBytes() {
        synchronized (bits) {
            return bits.cardinality() * granularity;
        }
    }

    /** A copy of the bits. */
    BitSet snapshot() {
        synchronized (bits) {
            return (BitSet) bits.clone();
        }
    }

    /**
     * Status extents from {@code offset} for {@code length} bytes (clipped to {@code size}), each dirty
     * ({@link #DIRTY}) or clean (0), neighbours merged.
     */
    public List<BlockStatusExtent> extents(long offset, long length, long size) {
        long end = Math.min(offset + length, size);
        List<BlockStatusExtent> out = new ArrayList<>();
        synchronized (bits) {
            long pos = offset;
            while (pos < end) {
                int i = index(pos);
                boolean dirty = bits.get(i);
                int next = dirty ? bits.nextClearBit(i) : bits.nextSetBit(i);
                long runEnd = next < 0 ? end : Math.min(end, next * granularity);
                out.add(new BlockStatusExtent(runEnd - pos, dirty ? DIRTY : 0));
                pos = runEnd;
            }
        }
        return out;
    }

    private int index(long offset) {
        long i = offset / granularity;
        if (i > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("offset " + offset + " is beyond what granularity " + granularity
                    + " can map");
        }
        return (int) i;
    }
}
