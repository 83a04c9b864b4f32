package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * dm-error: every read, write, discard, zeroing and allocation query fails with an I/O error. A flush
 * succeeds, since no write ever reached the target (dm sends it no flush either). Takes no arguments.
 */
public final class ErrorTarget extends ArgumentlessTarget {

    /** The {@code error} target type. */
    public static final TargetType TYPE = ArgumentlessTarget.type("error", ErrorTarget::new);

    /** Creates an error target of {@code lengthSectors}. */
    public ErrorTarget(long lengthSectors) {
        super("error", lengthSectors);
    }

    private <T> CompletableFuture<T> fail(String op, long offset) {
        return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.IO_ERROR,
                "error target: " + op + " at " + offset + " fails"));
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return fail("read", offset);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return fail("write", offset);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return fail("discard", offset);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return fail("write zeroes", offset);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return fail("allocation", offset);
    }

    @Override
    public String describe() {
        return "error";
    }

    @Override
    public void close() {
    }
}
