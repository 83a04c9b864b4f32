package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * dm-flakey plus Ferry fault rules: a linear mapping that misbehaves on purpose, for tests.
 *
 * <p>Table arguments: {@code <dev> <offset> <up_s> <down_s> [<#feature_words> <feature>...]}. From
 * creation the target is up for {@code up_s} seconds, then down for {@code down_s}, repeating (time from
 * the injected {@link Scheduler}); {@code up_s + down_s} must be positive. While down, with no dm
 * feature every read, write, discard and zeroing fails; otherwise the dm features decide:
 * <ul>
 *   <li>{@code error_reads}: reads fail;</li>
 *   <li>{@code drop_writes}: writes are acknowledged and ignored;</li>
 *   <li>{@code error_writes}: writes fail (not with {@code drop_writes});</li>
 *   <li>{@code corrupt_bio_byte <nth> <r|w> <value> <flags>}: byte {@code nth} (from 1) of each read or
 *       written buffer at least that long becomes {@code value}; {@code flags} must be 0 (requests carry
 *       no bio flags); {@code w} is not allowed with {@code drop_writes}.</li>
 * </ul>
 * Ferry extension, independent of the up/down cycle: any number of
 * {@code fault <r|w|rw> <error|drop|hang> <start_sector> <num_sectors> <after>} rules (see
 * {@link FaultRule}); the first rule that fires for an operation decides it, e.g.
 * {@code flakey /dev/a 0 1 0 6 fault w error 128 8 3} fails the fourth and later writes touching
 * sectors 128..135. The feature count counts words, as in dm. Flushes always pass; no file spans are
 * offered (they would bypass the faults). Status: {@code <up|down> <#rules> <rule status>...}.
 */
public final class FlakeyTarget implements Target {

    /** The {@code flakey} target type. */
    public static final TargetType TYPE = new TargetType() {
        @Override
        public String name() {
            return "flakey";
        }

        @Override
        public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
            return create(lengthSectors, args, TargetContext.of(devices));
        }

        @Override
        public Target create(long lengthSectors, List<String> args, TargetContext context) {
            if (args.size() < 4) {
                throw new IllegalArgumentException("flakey: expected <dev> <offset> <up_s> <down_s> [<#features>"
                        + " <feature>...], got " + args.size() + " arguments");
            }
            DeviceSlice slice = TargetArgs.slice(args, 0, lengthSectors, context.devices());
            long up = TargetArgs.number(args, 2, "flakey: up interval", 0, Integer.MAX_VALUE);
            long down = TargetArgs.number(args, 3, "flakey: down interval", 0, Integer.MAX_VALUE);
            if (up + down == 0) {
                throw new IllegalArgumentException("flakey: total (up + down) interval is zero");
            }
            FlakeyFeatures features = FlakeyFeatures.parse(args, lengthSectors);
            return new FlakeyTarget(lengthSectors, slice, up, down, features, context.scheduler());
        }
    };

    private final long size;
    private final DeviceSlice slice;
    private final long up;
    private final long down;
    private final FlakeyFeatures features;
    private final Scheduler scheduler;
    private final long startNanos;
    private final Set<CompletableFuture<Void>> hung = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private FlakeyTarget(long lengthSectors, DeviceSlice slice, long up, long down, FlakeyFeatures features,
            Scheduler scheduler) {
        this.size = lengthSectors * TargetArgs.SECTOR;
        this.slice = slice;
        this.up = up;
        this.down = down;
        this.features = features;
        this.scheduler = scheduler;
        this.startNanos = scheduler.nanoTime();
    }

    /** Whether the target is in its down interval now. */
    public boolean isDown() {
        if (down == 0) {
            return false;
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(scheduler.nanoTime() - startNanos);
        return seconds % (up + down) >= up;
    }

    private static <T> CompletableFuture<T> ioError(String op, long offset) {
        return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.IO_ERROR,
                "flakey: injected " + op + " error at " + offset));
    }

    private CompletableFuture<Void> hang() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        hung.add(f);
        if (closed) {
            failHung();
        }
        return f;
    }

    /** Applies the first firing fault rule, or null when none fires. */
    private CompletableFuture<Void> rule(boolean write, long offset, long length, ByteBuffer dst) {
        for (FaultRule r : features.rules()) {
            if (r.fires(write, offset, length)) {
                switch (r.action()) {
                    case ERROR:
                        return ioError(write ? "write" : "read", offset);
                    case DROP:
                        if (dst != null) {
                            ZeroTarget.fillZeroes(dst);
                        }
                        return CompletableFuture.completedFuture(null);
                    default:
                        return hang();
                }
            }
        }
        return null;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        CompletableFuture<Void> ruled = rule(false, offset, dst.remaining(), dst);
        if (ruled != null) {
            return ruled;
        }
        if (!isDown()) {
            return slice.read(offset, dst);
        }
        if (features.errorReads() || features.none()) {
            return ioError("read", offset);
        }
        if (features.corruptsReads()) {
            return slice.read(offset, dst).thenRun(() -> features.corrupt(dst));
        }
        return slice.read(offset, dst);
    }

    private CompletableFuture<Void> writeLike(long offset, long length, Supplier<CompletableFuture<Void>> op) {
        CompletableFuture<Void> ruled = rule(true, offset, length, null);
        if (ruled != null) {
            return ruled;
        }
        if (!isDown()) {
            return op.get();
        }
        if (features.errorWrites() || features.none()) {
            return ioError("write", offset);
        }
        if (features.dropWrites()) {
            return CompletableFuture.completedFuture(null);
        }
        return op.get();
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return writeLike(offset, src.remaining(), () -> {
            if (features.corruptsWrites() && isDown()) {
                ByteBuffer copy = ByteBuffer.allocate(src.remaining()).put(src.duplicate()).flip();
                features.corrupt(copy);
                return slice.write(offset, copy, fua);
            }
            return slice.write(offset, src, fua);
        });
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeLike(offset, length, () -> slice.discard(offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return writeLike(offset, length, () -> slice.writeZeroes(offset, length, mayUnmap));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return slice.flush();
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return slice.allocation(offset, length, 0);
    }

    @Override
    public String type() {
        return "flakey";
    }

    @Override
    public String params() {
        String base = slice.params() + " " + up + " " + down;
        List<String> words = features.words();
        return words.isEmpty() ? base : base + " " + words.size() + " " + String.join(" ", words);
    }

    @Override
    public String status() {
        List<String> parts = new ArrayList<>();
        parts.add(isDown() ? "down" : "up");
        parts.add(Integer.toString(features.rules().size()));
        for (FaultRule r : features.rules()) {
            parts.add(r.status());
        }
        return String.join(" ", parts);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String describe() {
        return "flakey " + params();
    }

    /** Fails operations hung by {@code hang} rules. */
    @Override
    public void close() {
        closed = true;
        failHung();
    }

    private void failHung() {
        for (CompletableFuture<Void> f : hung) {
            if (hung.remove(f)) {
                f.completeExceptionally(new BlockIoException(BlockIoException.Kind.SHUTDOWN,
                        "flakey: target closed while an operation was hung"));
            }
        }
    }
}
