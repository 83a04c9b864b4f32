package dev.ferry.mapper.testing;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test-only wrapper that counts operations and fails them on demand: reads and/or writes fail
 * once switched on, or after a given number of successful operations of that kind.
 */
public final class FaultyDevice extends DelegatingDevice {

    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicInteger writes = new AtomicInteger();
    private volatile long readsBeforeFailure = Long.MAX_VALUE;
    private volatile long writesBeforeFailure = Long.MAX_VALUE;

    public FaultyDevice(BlockDevice delegate) {
        super(delegate);
    }

    /** Every read from now on fails. */
    public FaultyDevice failReads() {
        readsBeforeFailure = reads.get();
        return this;
    }

    /** Every write (data, zeroes, discard, flush) from now on fails. */
    public FaultyDevice failWrites() {
        writesBeforeFailure = writes.get();
        return this;
    }

    /** Writes fail once {@code n} more have succeeded. */
    public FaultyDevice failWritesAfter(long n) {
        writesBeforeFailure = writes.get() + n;
        return this;
    }

    /** Reads fail once {@code n} more have succeeded. */
    public FaultyDevice failReadsAfter(long n) {
        readsBeforeFailure = reads.get() + n;
        return this;
    }

    /** Reads and writes succeed again. */
    public FaultyDevice heal() {
        readsBeforeFailure = Long.MAX_VALUE;
        writesBeforeFailure = Long.MAX_VALUE;
        return this;
    }

    public int reads() {
        return reads.get();
    }

    public long bytesRead() {
        return bytesRead.get();
    }

    public int writes() {
        return writes.get();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        if (reads.getAndIncrement() >= readsBeforeFailure) {
            return error("read", offset, dst.remaining());
        }
        bytesRead.addAndGet(dst.remaining());
        return delegate.read(offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return writeOp("write", offset, src.remaining()) ? delegate.write(offset, src, fua)
                : error("write", offset, src.remaining());
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return writeOp("write-zeroes", offset, length) ? delegate.writeZeroes(offset, length, mayUnmap)
                : error("write-zeroes", offset, length);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeOp("discard", offset, length) ? delegate.discard(offset, length) : error("discard", offset, length);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return writeOp("flush", 0, 0) ? delegate.flush() : error("flush", 0, 0);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return delegate.allocation(offset, length);
    }

    private boolean writeOp(String op, long offset, long length) {
        return writes.getAndIncrement() < writesBeforeFailure;
    }

    private <T> CompletableFuture<T> error(String op, long offset, long length) {
        return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.IO_ERROR,
                "injected " + op + " error on " + describe() + " at " + offset + "+" + length));
    }
}
