package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code disk} log: state persisted on a block device (format in {@link DiskLogFormat}). Flushes
 * are group-committed: one image write at a time, each covering every change made before it started.
 * On open, every region the image marks dirty is taken as out of sync, so writes that were in flight at
 * a crash are recopied from the source leg. A log written for another region count (the mirror was extended
 * or reduced) keeps the state of the regions both counts have; regions beyond the old count start out of sync
 * (in sync with {@code nosync}).
 */
public final class DiskRegionLog extends BitmapRegionLog {

    private static final Logger LOG = LoggerFactory.getLogger(DiskRegionLog.class);

    private final BlockDevice device;
    private final String deviceName;
    private final int slotSize;
    /** Flush waiters and the change generation each needs durable, in arrival order. */
    private final Map<CompletableFuture<Void>, Long> waiters = new LinkedHashMap<>();
    /** Regions whose dirty bit is set in every image written or being written. */
    private final BitSet durableDirty = new BitSet();
    private long sequence;
    private long durable;
    private boolean writing;
    private Throwable failure;

    private DiskRegionLog(BlockDevice device, String deviceName, long regionSize, int regionCount, SyncMode mode) {
        super(regionSize, regionCount, mode);
        this.device = device;
        this.deviceName = deviceName;
        this.slotSize = DiskLogFormat.slotSize(regionCount);
    }

    /** Bytes a disk log of {@code regionCount} regions occupies on its device (both slots). */
    public static long deviceBytes(int regionCount) {
        return 2L * DiskLogFormat.slotSize(regionCount);
    }

    /**
     * Opens (or initialises) the log on {@code device}; {@code deviceName} is how tables name it.
     * Fails with IllegalArgumentException if the device is too small, holds a log of another region size
     * or version, or holds only corrupt images.
     */
    public static CompletableFuture<DiskRegionLog> open(BlockDevice device, String deviceName, long regionSize,
            int regionCount, SyncMode mode) {
        DiskRegionLog log = new DiskRegionLog(device, deviceName, regionSize, regionCount, mode);
        if (device.size() < 2L * log.slotSize) {
            throw new IllegalArgumentException("mirror log device " + deviceName + " holds " + device.size()
                    + " bytes; " + regionCount + " regions need " + 2L * log.slotSize);
        }
        return readStart(device, 2L * log.slotSize).thenCompose(start -> {
            // a log of another region count has other slots: read as far as its slot 0 says they reach
            long declared = 2 * DiskLogFormat.declaredSlotSize(start);
            return declared > start.capacity() && declared <= device.size() ? readStart(device, declared)
                    : CompletableFuture.completedFuture(start);
        }).thenApply(images -> {
            log.load(images);
            return log;
        });
    }

    private static CompletableFuture<ByteBuffer> readStart(BlockDevice device, long length) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(length));
        return device.read(0, b).thenApply(v -> b.clear());
    }

    private void load(ByteBuffer images) {
        DiskLogFormat.Image best = null;
        boolean torn = false;
        for (DiskLogFormat.Slot slot : DiskLogFormat.decodeAll(images, deviceName)) {
            torn |= slot.kind() == DiskLogFormat.SlotKind.TORN;
            if (slot.kind() == DiskLogFormat.SlotKind.VALID
                    && (best == null || slot.image().sequence() > best.sequence())) {
                best = slot.image();
            }
        }
        if (best == null && torn) {
            throw new IllegalArgumentException("mirror log on " + deviceName + " is corrupt: no slot has a valid checksum");
        }
        if (best == null) {
            LOG.info("mirror log on {}: new log of {} regions", deviceName, regionCount);
            changes++;
            return;
        }
        if (best.regionSize() != regionSize) {
            throw new IllegalArgumentException("mirror log on " + deviceName + " was written for " + best.regionCount()
                    + " regions of " + best.regionSize() + " bytes, not " + regionCount + " of " + regionSize);
        }
        sequence = best.sequence();
        if (syncMode == SyncMode.DEFAULT) {
            inSync.or(best.inSync().get(0, Math.min(best.regionCount(), regionCount)));
            inSync.andNot(best.dirty());
        }
        if (best.regionCount() != regionCount) {
            LOG.info("mirror log on {}: resized from {} to {} regions", deviceName, best.regionCount(), regionCount);
        }
        LOG.info("mirror log on {}: sequence {}, {} of {} regions in sync, {} dirty at last shutdown recopied",
                deviceName, sequence, inSync.cardinality(), regionCount, best.dirty().cardinality());
        changes++;
    }

    @Override
    public CompletableFuture<Void> markDirty(int region) {
        synchronized (this) {
            if (!setDirty(region) && durableDirty.get(region)) {
                return done();
            }
        }
        return flush();
    }

    @Override
    public CompletableFuture<Void> flush() {
        boolean start;
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (durable >= changes) {
                return done();
            }
            waiters.put(f, changes);
            start = !writing;
            writing = true;
        }
        if (start) {
            writeImage();
        }
        return f;
    }

    private void writeImage() {
        ByteBuffer image;
        long generation;
        long seq;
        BitSet dirtySnapshot;
        synchronized (this) {
            generation = changes;
            seq = sequence + 1;
            dirtySnapshot = (BitSet) dirty.clone();
            durableDirty.and(dirtySnapshot);
            image = DiskLogFormat.encode(new DiskLogFormat.Image(seq, regionSize, regionCount,
                    (BitSet) inSync.clone(), dirtySnapshot));
        }
        long offset = (seq % 2) * slotSize;
        device.write(offset, image, true).whenComplete((v, err) -> imageWritten(seq, generation, dirtySnapshot, err));
    }

    private void imageWritten(long seq, long generation, BitSet dirtySnapshot, Throwable err) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        boolean again;
        Throwable failed = null;
        synchronized (this) {
            if (err != null) {
                failure = new BlockIoException(BlockIoException.Kind.IO_ERROR,
                        "mirror log write to " + deviceName + " failed", unwrap(err));
                failed = failure;
                done.addAll(waiters.keySet());
                waiters.clear();
            } else {
                sequence = seq;
                durable = generation;
                durableDirty.or(dirtySnapshot);
                durableDirty.and(dirty);
                for (Iterator<Map.Entry<CompletableFuture<Void>, Long>> it = waiters.entrySet().iterator(); it.hasNext();) {
                    Map.Entry<CompletableFuture<Void>, Long> e = it.next();
                    if (e.getValue() <= generation) {
                        done.add(e.getKey());
                        it.remove();
                    }
                }
            }
            again = !waiters.isEmpty();
            writing = again;
        }
        if (failed != null) {
            LOG.error("mirror log on {} failed; writes needing a dirty mark will fail", deviceName, failed);
        }
        for (CompletableFuture<Void> f : done) {
            if (failed != null) {
                f.completeExceptionally(failed);
            } else {
                f.complete(null);
            }
        }
        if (again) {
            writeImage();
        }
    }

    /** Whether a log write failed (the log then refuses further flushes). */
    public synchronized boolean failed() {
        return failure != null;
    }

    @Override
    public String tableArgs() {
        return "disk " + withSync(2, deviceName + " " + sectors());
    }

    @Override
    public String statusArgs() {
        return "3 disk " + deviceName + " " + (failed() ? 'D' : 'A');
    }

    @Override
    public void close() {
        // the device belongs to whoever resolved it
    }

    private static Throwable unwrap(Throwable err) {
        return err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    }
}
