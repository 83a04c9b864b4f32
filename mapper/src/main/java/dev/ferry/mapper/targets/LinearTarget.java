package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * dm-linear: maps the target's range onto one device starting at a sector offset. Table arguments:
 * {@code <dev> <offset_sectors>}; the mapping must lie within the device. Status is empty.
 */
public final class LinearTarget implements Target {

    /** The {@code linear} target type. */
    public static final TargetType TYPE = new TargetType() {
        @Override
        public String name() {
            return "linear";
        }

        @Override
        public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
            TargetArgs.count("linear", args, 2);
            return new LinearTarget(lengthSectors, TargetArgs.slice(args, 0, lengthSectors, devices));
        }
    };

    private final long size;
    private final DeviceSlice slice;
    /** The slice's device and first byte on it: I/O goes there directly, shifted by the base. */
    private final BlockDevice device;
    private final long base;

    /** Creates a linear target of {@code lengthSectors} over {@code slice}. */
    public LinearTarget(long lengthSectors, DeviceSlice slice) {
        this.size = lengthSectors * TargetArgs.SECTOR;
        this.slice = slice;
        this.device = slice.device();
        this.base = slice.base();
    }

    @Override
    public String type() {
        return "linear";
    }

    @Override
    public String params() {
        return slice.params();
    }

    @Override
    public String status() {
        return "";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return device.read(base + offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return device.write(base + offset, src, fua);
    }

    /** Flushes the slice: the only part of its device this target writes. */
    @Override
    public CompletableFuture<Void> flush() {
        return device.flush(base, size);
    }

    @Override
    public CompletableFuture<Void> flush(long offset, long length) {
        return device.flush(base + offset, length);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return device.discard(base + offset, length);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return device.writeZeroes(base + offset, length, mayUnmap);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return slice.allocation(offset, length, 0);
    }

    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        return device.fileSpan(base + offset, length);
    }

    @Override
    public boolean fastZeroes() {
        return device.fastZeroes();
    }

    @Override
    public String describe() {
        return "linear " + params();
    }

    @Override
    public void close() {
    }
}
