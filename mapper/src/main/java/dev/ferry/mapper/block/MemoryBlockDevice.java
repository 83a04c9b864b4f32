package dev.ferry.mapper.block;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A sparse in-memory block device that completes every operation synchronously: pages of
 * {@value #PAGE} bytes are allocated on first write, discarded pages read as zeroes, and
 * {@link #allocation} reports allocated pages as data. Meant for tests and simulations.
 */
public final class MemoryBlockDevice implements BlockDevice {

    /** Allocation granularity in bytes. */
    public static final int PAGE = 4096;

    private final String name;
    private final long size;
    private final byte[][] pages;
    private final BitSet allocated;
    private volatile boolean closed;

    /** Creates an empty (all-hole) device of {@code size} bytes. */
    public MemoryBlockDevice(String name, long size) {
        long pageCount = size / PAGE + (size % PAGE == 0 ? 0 : 1);
        if (size < 0 || pageCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("unsupported memory device size " + size);
        }
        this.name = name;
        this.size = size;
        int n = (int) pageCount;
        this.pages = new byte[n][];
        this.allocated = new BitSet(n);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        CompletableFuture<Void> bad = check(offset, dst.remaining());
        if (bad != null) {
            return bad;
        }
        ByteBuffer out = dst.duplicate();
        long pos = offset;
        while (out.hasRemaining()) {
            int page = (int) (pos / PAGE);
            int in = (int) (pos % PAGE);
            int n = Math.min(PAGE - in, out.remaining());
            byte[] p = pages[page];
            if (p == null) {
                for (int i = 0; i < n; i++) {
                    out.put((byte) 0);
                }
            } else {
                out.put(p, in, n);
            }
            pos += n;
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        CompletableFuture<Void> bad = check(offset, src.remaining());
        if (bad != null) {
            return bad;
        }
        ByteBuffer in = src.duplicate();
        long pos = offset;
        while (in.hasRemaining()) {
            int page = (int) (pos / PAGE);
            int at = (int) (pos % PAGE);
            int n = Math.min(PAGE - at, in.remaining());
            if (pages[page] == null) {
                pages[page] = new byte[PAGE];
                allocated.set(page);
            }
            in.get(pages[page], at, n);
            pos += n;
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return closed ? shutdown() : CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> discard(long offset, long length) {
        return zero(offset, length, true);
    }

    @Override
    public synchronized CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return zero(offset, length, mayUnmap);
    }

    private CompletableFuture<Void> zero(long offset, long length, boolean unmap) {
        CompletableFuture<Void> bad = check(offset, length);
        if (bad != null) {
            return bad;
        }
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            int page = (int) (pos / PAGE);
            int at = (int) (pos % PAGE);
            int n = (int) Math.min(PAGE - at, end - pos);
            if (n == PAGE && unmap) {
                pages[page] = null;
                allocated.clear(page);
            } else if (pages[page] != null) {
                java.util.Arrays.fill(pages[page], at, at + n, (byte) 0);
            } else if (!unmap) {
                pages[page] = new byte[PAGE];
                allocated.set(page);
            }
            pos += n;
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<List<Extent>> allocation(long offset, long length) {
        CompletableFuture<List<Extent>> bad = check(offset, length);
        if (bad != null) {
            return bad;
        }
        List<Extent> out = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            boolean data = allocated.get((int) (pos / PAGE));
            long next = Math.min(end, runEnd(pos, data));
            out.add(data ? Extent.data(pos, next - pos) : Extent.hole(pos, next - pos));
            pos = next;
        }
        return CompletableFuture.completedFuture(out);
    }

    private long runEnd(long pos, boolean data) {
        int page = (int) (pos / PAGE);
        int next = data ? allocated.nextClearBit(page) : allocated.nextSetBit(page);
        if (next < 0 || next >= pages.length) {
            return size;
        }
        return (long) next * PAGE;
    }

    @Override
    public boolean fastZeroes() {
        return true;
    }

    /** Number of allocated pages, for tests of sparseness. */
    public synchronized int allocatedPages() {
        return allocated.cardinality();
    }

    @Override
    public String describe() {
        return "memory:" + name;
    }

    @Override
    public void close() {
        closed = true;
    }

    private <T> CompletableFuture<T> check(long offset, long length) {
        if (closed) {
            return shutdown();
        }
        if (offset < 0 || length < 0 || offset > size - length) {
            return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.INVALID,
                    describe() + ": range " + offset + "+" + length + " outside device of " + size + " bytes"));
        }
        return null;
    }

    private <T> CompletableFuture<T> shutdown() {
        return CompletableFuture.failedFuture(
                new BlockIoException(BlockIoException.Kind.SHUTDOWN, describe() + " is closed"));
    }
}
