package dev.ferry.mapper.target;

import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * dm-zero: reads return zeroes, writes, discards and zeroing are accepted and dropped, allocation
 * reports one hole reading as zeroes. Takes no arguments.
 */
public final class ZeroTarget implements Target {

    /** The {@code zero} target type. */
    public static final TargetType TYPE = new TargetType() {
        @Override
        public String name() {
            return "zero";
        }

        @Override
        public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
            TargetArgs.count("zero", args, 0);
            return new ZeroTarget(lengthSectors);
        }
    };

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final long size;

    /** Creates a zero target of {@code lengthSectors}. */
    public ZeroTarget(long lengthSectors) {
        this.size = lengthSectors * TargetArgs.SECTOR;
    }

    /** Fills {@code dst} from its position to its limit with zeroes without moving its position. */
    static void fillZeroes(ByteBuffer dst) {
        ByteBuffer out = dst.duplicate();
        while (out.remaining() >= Long.BYTES) {
            out.putLong(0L);
        }
        while (out.hasRemaining()) {
            out.put((byte) 0);
        }
    }

    @Override
    public String type() {
        return "zero";
    }

    @Override
    public String params() {
        return "";
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
        fillZeroes(dst);
        return DONE;
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return DONE;
    }

    @Override
    public CompletableFuture<Void> flush() {
        return DONE;
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return DONE;
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return DONE;
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return CompletableFuture.completedFuture(List.of(Extent.hole(offset, length)));
    }

    @Override
    public boolean fastZeroes() {
        return true;
    }

    @Override
    public String describe() {
        return "zero";
    }

    @Override
    public void close() {
    }
}
