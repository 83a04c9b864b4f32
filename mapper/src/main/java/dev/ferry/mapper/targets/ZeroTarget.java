package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * dm-zero: reads return zeroes, writes, discards and zeroing are accepted and dropped, allocation
 * reports one hole reading as zeroes. Takes no arguments.
 */
public final class ZeroTarget extends ArgumentlessTarget {

    /** The {@code zero} target type. */
    public static final TargetType TYPE = ArgumentlessTarget.type("zero", ZeroTarget::new);

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** Creates a zero target of {@code lengthSectors}. */
    public ZeroTarget(long lengthSectors) {
        super("zero", lengthSectors);
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
