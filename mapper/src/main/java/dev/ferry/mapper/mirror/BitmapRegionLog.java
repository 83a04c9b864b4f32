package dev.ferry.mapper.mirror;

import java.util.BitSet;
import java.util.concurrent.CompletableFuture;

/** In-memory bitmaps shared by the log implementations: in-sync and dirty bits plus a change counter. */
abstract class BitmapRegionLog implements RegionLog {

    protected final long regionSize;
    protected final int regionCount;
    protected final SyncMode syncMode;
    protected final BitSet inSync;
    protected final BitSet dirty;
    /** Incremented on every change; flushes persist up to a generation. */
    protected long changes;

    BitmapRegionLog(long regionSize, int regionCount, SyncMode syncMode) {
        checkGeometry(regionSize, regionCount);
        this.regionSize = regionSize;
        this.regionCount = regionCount;
        this.syncMode = syncMode;
        this.inSync = new BitSet(regionCount);
        this.dirty = new BitSet(regionCount);
        if (syncMode == SyncMode.NOSYNC) {
            inSync.set(0, regionCount);
        }
    }

    static void checkGeometry(long regionSize, int regionCount) {
        if (regionSize < 512 || Long.bitCount(regionSize) != 1) {
            throw new IllegalArgumentException("region size must be a power of two of at least 512 bytes, got "
                    + regionSize);
        }
        if (regionCount < 1) {
            throw new IllegalArgumentException("a region log needs at least one region, got " + regionCount);
        }
    }

    @Override
    public long regionSize() {
        return regionSize;
    }

    @Override
    public int regionCount() {
        return regionCount;
    }

    @Override
    public synchronized boolean inSync(int region) {
        return inSync.get(check(region));
    }

    @Override
    public synchronized void setInSync(int region, boolean value) {
        if (inSync.get(check(region)) != value) {
            inSync.set(region, value);
            changes++;
        }
    }

    @Override
    public synchronized void setAllOutOfSync() {
        if (!inSync.isEmpty()) {
            inSync.clear();
            changes++;
        }
    }

    @Override
    public synchronized boolean dirty(int region) {
        return dirty.get(check(region));
    }

    @Override
    public synchronized void markClean(int region) {
        if (dirty.get(check(region))) {
            dirty.clear(region);
            changes++;
        }
    }

    /** Sets the dirty bit; returns whether it changed. */
    protected synchronized boolean setDirty(int region) {
        if (dirty.get(check(region))) {
            return false;
        }
        dirty.set(region);
        changes++;
        return true;
    }

    @Override
    public synchronized int syncCount() {
        return inSync.cardinality();
    }

    @Override
    public synchronized int nextOutOfSync(int from) {
        int r = inSync.nextClearBit(Math.max(0, from));
        return r < regionCount ? r : -1;
    }

    protected String sectors() {
        return Long.toString(regionSize / 512);
    }

    /** {@code <#args> <args...>} after the type and device part, e.g. {@code 2 ... 4096 nosync}. */
    protected String withSync(int fixedArgs, String fixed) {
        String arg = syncMode.arg();
        return (arg == null ? fixedArgs : fixedArgs + 1) + " " + fixed + (arg == null ? "" : " " + arg);
    }

    protected int check(int region) {
        if (region < 0 || region >= regionCount) {
            throw new IndexOutOfBoundsException("region " + region + " outside 0.." + (regionCount - 1));
        }
        return region;
    }

    protected static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }
}
