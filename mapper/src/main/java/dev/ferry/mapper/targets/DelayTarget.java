package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * dm-delay: holds each operation for a fixed time before passing it on, optionally to different
 * devices per operation kind. Table arguments (3, 6 or 9):
 * {@code <dev> <offset> <delay_ms> [<write_dev> <write_offset> <write_delay_ms> [<flush_dev>
 * <flush_offset> <flush_delay_ms>]]}. With 3 arguments every operation uses the first device; with 6,
 * writes, discards, zeroing and flushes use the write device; with 9, flushes use the flush device.
 * Reads and allocation queries use the read device (allocation is not delayed). Delays run on the
 * injected {@link Scheduler}. Status: the number of reads and writes (and flushes, with 9 arguments)
 * currently held, as dm prints them.
 */
public final class DelayTarget implements Target {

    /** The {@code delay} target type. */
    public static final TargetType TYPE = new TargetType() {
        @Override
        public String name() {
            return "delay";
        }

        @Override
        public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
            return create(lengthSectors, args, TargetContext.of(devices));
        }

        @Override
        public Target create(long lengthSectors, List<String> args, TargetContext context) {
            TargetArgs.count("delay", args, 3, 6, 9);
            Leg read = leg(lengthSectors, args, 0, context.devices());
            Leg write = args.size() >= 6 ? leg(lengthSectors, args, 3, context.devices()) : read;
            Leg flush = args.size() == 9 ? leg(lengthSectors, args, 6, context.devices()) : write;
            return new DelayTarget(lengthSectors, context.scheduler(), read, write, flush, args.size());
        }

        private Leg leg(long lengthSectors, List<String> args, int i, DeviceResolver devices) {
            DeviceSlice slice = TargetArgs.slice(args, i, lengthSectors, devices);
            long ms = TargetArgs.number(args, i + 2, "delay of device '" + args.get(i) + "' (ms)", 0, Integer.MAX_VALUE);
            return new Leg(slice, ms);
        }
    };

    /** One operation kind's device and delay. */
    private record Leg(DeviceSlice slice, long delayMs) {
        String params() {
            return slice.params() + " " + delayMs;
        }
    }

    private final long size;
    private final Scheduler scheduler;
    private final Leg read;
    private final Leg write;
    private final Leg flush;
    private final int argCount;
    private final AtomicInteger heldReads = new AtomicInteger();
    private final AtomicInteger heldWrites = new AtomicInteger();
    private final AtomicInteger heldFlushes = new AtomicInteger();

    private DelayTarget(long lengthSectors, Scheduler scheduler, Leg read, Leg write, Leg flush, int argCount) {
        this.size = lengthSectors * TargetArgs.SECTOR;
        this.scheduler = scheduler;
        this.read = read;
        this.write = write;
        this.flush = flush;
        this.argCount = argCount;
    }

    private CompletableFuture<Void> delayed(Leg leg, AtomicInteger held, Supplier<CompletableFuture<Void>> op) {
        if (leg.delayMs() == 0) {
            return op.get();
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        held.incrementAndGet();
        scheduler.schedule(() -> {
            held.decrementAndGet();
            CompletableFuture<Void> issued;
            try {
                issued = op.get();
            } catch (RuntimeException e) {
                issued = CompletableFuture.failedFuture(e);
            }
            issued.whenComplete((v, e) -> {
                if (e != null) {
                    result.completeExceptionally(Join.unwrap(e));
                } else {
                    result.complete(null);
                }
            });
        }, leg.delayMs(), TimeUnit.MILLISECONDS);
        return result;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return delayed(read, heldReads, () -> read.slice().read(offset, dst));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return delayed(write, heldWrites, () -> write.slice().write(offset, src, fua));
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return delayed(write, heldWrites, () -> write.slice().discard(offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return delayed(write, heldWrites, () -> write.slice().writeZeroes(offset, length, mayUnmap));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return delayed(flush, heldFlushes, () -> flush.slice().flush());
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return read.slice().allocation(offset, length, 0);
    }

    @Override
    public boolean fastZeroes() {
        return write.slice().device().fastZeroes();
    }

    @Override
    public String type() {
        return "delay";
    }

    @Override
    public String params() {
        String p = read.params();
        if (argCount >= 6) {
            p += " " + write.params();
        }
        if (argCount == 9) {
            p += " " + flush.params();
        }
        return p;
    }

    @Override
    public String status() {
        String s = heldReads.get() + " " + heldWrites.get();
        return argCount == 9 ? s + " " + heldFlushes.get() : s;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String describe() {
        return "delay " + params();
    }

    @Override
    public void close() {
    }
}
