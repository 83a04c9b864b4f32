package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A device named in a table line plus a start sector on it: forwards I/O with offsets shifted by the
 * start, and shifts allocation extents back.
 */
public final class DeviceSlice {

    private final String name;
    private final BlockDevice device;
    private final long offsetSectors;
    private final long base;

    /** Creates a slice of {@code device} (written as {@code name}) starting at {@code offsetSectors}. */
    public DeviceSlice(String name, BlockDevice device, long offsetSectors) {
        this.name = name;
        this.device = device;
        this.offsetSectors = offsetSectors;
        this.base = offsetSectors * TargetArgs.SECTOR;
    }

    /** The device name as written in the table. */
    public String name() {
        return name;
    }

    /** The underlying device. */
    public BlockDevice device() {
        return device;
    }

    /** The start sector on the device. */
    public long offsetSectors() {
        return offsetSectors;
    }

    /** The first byte of the slice on the device. */
    public long base() {
        return base;
    }

    /** {@code name offset}, as table params print a device. */
    public String params() {
        return name + " " + offsetSectors;
    }

    /** Reads at {@code offset} relative to the slice start. */
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return device.read(base + offset, dst);
    }

    /** Writes at {@code offset} relative to the slice start. */
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return device.write(base + offset, src, fua);
    }

    /** Discards relative to the slice start. */
    public CompletableFuture<Void> discard(long offset, long length) {
        return device.discard(base + offset, length);
    }

    /** Zeroes relative to the slice start. */
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return device.writeZeroes(base + offset, length, mayUnmap);
    }

    /** Flushes the device. */
    public CompletableFuture<Void> flush() {
        return device.flush();
    }

    /** The device's file span for a range relative to the slice start. */
    public Optional<FileSpan> fileSpan(long offset, long length) {
        return device.fileSpan(base + offset, length);
    }

    /** Allocation relative to the slice start, re-based by {@code shift} (added to every extent). */
    public CompletableFuture<List<Extent>> allocation(long offset, long length, long shift) {
        long delta = shift - base;
        return device.allocation(base + offset, length).thenApply(extents -> {
            List<Extent> out = new ArrayList<>(extents.size());
            for (Extent e : extents) {
                out.add(new Extent(e.offset() + delta, e.length(), e.allocated(), e.zero()));
            }
            return out;
        });
    }
}
