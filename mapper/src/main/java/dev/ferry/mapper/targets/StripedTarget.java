package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * dm-stripe (RAID-0): consecutive chunks rotate over the stripes. Table arguments:
 * {@code <#stripes> <chunk_sectors> (<dev> <offset>)+}; the chunk is at least 8 sectors (4 KiB, a page)
 * and need not be a power of two, the length is a multiple of {@code #stripes * chunk_sectors}, and
 * each stripe maps {@code length / #stripes} sectors within its device. Requests are split at chunk
 * boundaries. Status, as dm prints it: {@code <#stripes> <dev>... 1 <A|D per stripe>}, where D marks a
 * stripe that has failed an I/O.
 */
public final class StripedTarget implements Target {

    /** Smallest chunk in sectors (one 4 KiB page). */
    public static final int MIN_CHUNK_SECTORS = 8;

    /** The {@code striped} target type. */
    public static final TargetType TYPE = new TargetType() {
        @Override
        public String name() {
            return "striped";
        }

        @Override
        public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
            if (args.size() < 2) {
                throw new IllegalArgumentException("striped: expected <#stripes> <chunk_sectors> (<dev> <offset>)+");
            }
            int stripes = (int) TargetArgs.number(args, 0, "striped: #stripes", 1, 1024);
            long chunk = TargetArgs.number(args, 1, "striped: chunk size", MIN_CHUNK_SECTORS, 1L << 31);
            if (args.size() != 2 + 2 * stripes) {
                throw new IllegalArgumentException("striped: " + stripes + " stripes need " + (2 + 2 * stripes)
                        + " arguments, got " + args.size());
            }
            if (lengthSectors % stripes != 0) {
                throw new IllegalArgumentException("striped: length " + lengthSectors
                        + " not divisible by number of stripes " + stripes);
            }
            long perStripe = lengthSectors / stripes;
            if (perStripe % chunk != 0) {
                throw new IllegalArgumentException("striped: length " + lengthSectors
                        + " not a multiple of #stripes * chunk size = " + stripes * chunk);
            }
            DeviceSlice[] slices = new DeviceSlice[stripes];
            for (int i = 0; i < stripes; i++) {
                slices[i] = TargetArgs.slice(args, 2 + 2 * i, perStripe, devices);
            }
            return new StripedTarget(lengthSectors, (int) chunk, slices);
        }
    };

    private final long size;
    private final int chunkSectors;
    private final long chunk;
    private final DeviceSlice[] stripes;
    private final AtomicIntegerArray failed;

    /** Creates a striped target; arguments as validated by {@link #TYPE}. */
    public StripedTarget(long lengthSectors, int chunkSectors, DeviceSlice[] stripes) {
        this.size = lengthSectors * TargetArgs.SECTOR;
        this.chunkSectors = chunkSectors;
        this.chunk = (long) chunkSectors * TargetArgs.SECTOR;
        this.stripes = stripes.clone();
        this.failed = new AtomicIntegerArray(stripes.length);
    }

    /** The stripe holding byte {@code offset}. */
    private int stripeOf(long offset) {
        return (int) ((offset / chunk) % stripes.length);
    }

    /** The byte offset within its stripe of byte {@code offset}. */
    private long stripeOffset(long offset) {
        return (offset / chunk / stripes.length) * chunk + offset % chunk;
    }

    /** Bytes from {@code offset} to the end of its chunk, capped at {@code length}. */
    private long pieceLength(long offset, long length) {
        return Math.min(length, chunk - offset % chunk);
    }

    private <T> CompletableFuture<T> watch(int stripe, CompletableFuture<T> f) {
        return f.whenComplete((v, e) -> {
            if (e != null) {
                failed.set(stripe, 1);
            }
        });
    }

    @FunctionalInterface
    private interface PieceOp {
        CompletableFuture<Void> apply(DeviceSlice slice, long stripeOffset, long offset, int bufferPos, long length);
    }

    private CompletableFuture<Void> split(long offset, long length, PieceOp op) {
        long first = pieceLength(offset, length);
        if (first == length) {
            int s = stripeOf(offset);
            return watch(s, op.apply(stripes[s], stripeOffset(offset), offset, 0, length));
        }
        Join join = new Join();
        long done = 0;
        while (done < length) {
            long at = offset + done;
            long n = pieceLength(at, length - done);
            int s = stripeOf(at);
            join.add(watch(s, op.apply(stripes[s], stripeOffset(at), at, (int) done, n)));
            done += n;
        }
        return join.seal();
    }

    private static ByteBuffer piece(ByteBuffer buf, int from, long length) {
        int start = buf.position() + from;
        return buf.duplicate().limit(start + (int) length).position(start);
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return split(offset, dst.remaining(), (slice, so, o, at, n) -> slice.read(so, piece(dst, at, n)));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return split(offset, src.remaining(), (slice, so, o, at, n) -> slice.write(so, piece(src, at, n), fua));
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return split(offset, length, (slice, so, o, at, n) -> slice.discard(so, n));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return split(offset, length, (slice, so, o, at, n) -> slice.writeZeroes(so, n, mayUnmap));
    }

    @Override
    public CompletableFuture<Void> flush() {
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        Join join = new Join();
        for (int i = 0; i < stripes.length; i++) {
            if (seen.put(stripes[i].device(), Boolean.TRUE) == null) {
                join.add(watch(i, stripes[i].flush()));
            }
        }
        return join.seal();
    }

    /** Reports the extents of the chunk holding {@code offset} (at most up to {@code length}). */
    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        int s = stripeOf(offset);
        return stripes[s].allocation(stripeOffset(offset), pieceLength(offset, length), offset - stripeOffset(offset));
    }

    /** Passes through to the stripe's device when the range lies within one chunk. */
    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        if (pieceLength(offset, length) != length) {
            return Optional.empty();
        }
        return stripes[stripeOf(offset)].fileSpan(stripeOffset(offset), length);
    }

    @Override
    public boolean fastZeroes() {
        for (DeviceSlice s : stripes) {
            if (!s.device().fastZeroes()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String type() {
        return "striped";
    }

    @Override
    public String params() {
        StringBuilder sb = new StringBuilder().append(stripes.length).append(' ').append(chunkSectors);
        for (DeviceSlice s : stripes) {
            sb.append(' ').append(s.params());
        }
        return sb.toString();
    }

    @Override
    public String status() {
        StringBuilder sb = new StringBuilder().append(stripes.length);
        for (DeviceSlice s : stripes) {
            sb.append(' ').append(s.name());
        }
        sb.append(" 1 ");
        for (int i = 0; i < stripes.length; i++) {
            sb.append(failed.get(i) == 0 ? 'A' : 'D');
        }
        return sb.toString();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String describe() {
        return "striped " + params();
    }

    @Override
    public void close() {
    }
}
