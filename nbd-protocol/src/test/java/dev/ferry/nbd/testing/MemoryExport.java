package dev.ferry.nbd.testing;

import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A sparse in-memory {@link Export} for tests: 4 KiB pages allocated on first write, block status from
 * page allocation, a durable copy that models a write-back cache shared by all connections (written by FLUSH
 * for everything completed, and by FUA for its own range, so CAN_MULTI_CONN holds), and per-operation
 * control: {@link #hold} parks every operation of a kind at a {@link Gate} the test opens or fails by hand;
 * {@link #failNext} fails the next one.
 */
public final class MemoryExport implements Export {

    /** Page size of the sparse store. */
    public static final int PAGE = 4096;

    /** The operations of the export SPI. */
    public enum Op { READ, WRITE, FLUSH, TRIM, WRITE_ZEROES, CACHE, BLOCK_STATUS }

    /** A parked operation: it runs when opened and fails when failed. */
    public static final class Gate {
        private final Op op;
        private final long offset;
        private final CompletableFuture<Void> release = new CompletableFuture<>();

        private Gate(Op op, long offset) {
            this.op = op;
            this.offset = offset;
        }

        /** The operation parked here. */
        public Op op() {
            return op;
        }

        /** Its offset. */
        public long offset() {
            return offset;
        }

        /** Lets the operation run. */
        public void open() {
            release.complete(null);
        }

        /** Fails the operation with {@code error}. */
        public void fail(Throwable error) {
            release.completeExceptionally(error);
        }
    }

    private final String name;
    private final long size;
    private final ExportCapabilities capabilities;
    private final BlockSizeConstraints blockSize;
    private final String description;
    private final Map<Long, byte[]> pages = new ConcurrentHashMap<>();
    private final Map<Long, byte[]> durablePages = new ConcurrentHashMap<>();
    private final Map<Op, Boolean> held = new ConcurrentHashMap<>();
    private final Map<Op, Throwable> failures = new ConcurrentHashMap<>();
    private final BlockingQueue<Gate> parked = new LinkedBlockingQueue<>();
    private final Map<Op, AtomicInteger> calls = new EnumMap<>(Op.class);
    private final AtomicInteger attached = new AtomicInteger();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger maxOutstanding = new AtomicInteger();
    private final AtomicLong unreleasedReadBytes = new AtomicLong();
    private final AtomicLong maxUnreleasedReadBytes = new AtomicLong();
    private final Map<String, List<BlockStatusExtent>> contexts = new java.util.concurrent.ConcurrentSkipListMap<>();

    /** A writable export with every capability. */
    public MemoryExport(String name, long size) {
        this(name, size, ExportCapabilities.FULL, BlockSizeConstraints.DEFAULT, "memory export " + name);
    }

    /** An export with the given capabilities and block sizes. */
    public MemoryExport(String name, long size, ExportCapabilities capabilities, BlockSizeConstraints blockSize,
                        String description) {
        this.name = name;
        this.size = size;
        this.capabilities = capabilities;
        this.blockSize = blockSize;
        this.description = description;
        for (Op op : Op.values()) {
            calls.put(op, new AtomicInteger());
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public ExportCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public BlockSizeConstraints blockSize() {
        return blockSize;
    }

    // ---- test controls ----

    /** From now on every {@code op} parks at a gate queued in {@link #parked()}. */
    public void hold(Op op) {
        held.put(op, true);
    }

    /** Stops parking {@code op} (already parked gates stay parked). */
    public void unhold(Op op) {
        held.remove(op);
    }

    /** The gates of parked operations, in arrival order. */
    public BlockingQueue<Gate> parked() {
        return parked;
    }

    /** The next {@code op} fails with {@code error}. */
    public void failNext(Op op, Throwable error) {
        failures.put(op, error);
    }

    /** How many times {@code op} was called. */
    public int calls(Op op) {
        return calls.get(op).get();
    }

    /** Clients currently attached. */
    public int attachedClients() {
        return attached.get();
    }

    /** Most operations ever started and not yet completed at once. */
    public int maxOutstanding() {
        return maxOutstanding.get();
    }

    /** Bytes of read buffers handed to the server and not yet released by it. */
    public long unreleasedReadBytes() {
        return unreleasedReadBytes.get();
    }

    /** The most read-buffer bytes ever held by the server at once. */
    public long maxUnreleasedReadBytes() {
        return maxUnreleasedReadBytes.get();
    }

    /** Copies stored bytes (zeroes for holes): what reads on any connection see. */
    public byte[] contents(long offset, int length) {
        return copy(pages, offset, length);
    }

    /** Copies the bytes that FLUSH or FUA made durable (zeroes for holes): what would survive a crash. */
    public byte[] durableContents(long offset, int length) {
        return copy(durablePages, offset, length);
    }

    private static byte[] copy(Map<Long, byte[]> pages, long offset, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; ) {
            long pos = offset + i;
            int inPage = (int) (pos % PAGE);
            int n = Math.min(PAGE - inPage, length - i);
            byte[] page = pages.get(pos / PAGE);
            if (page != null) {
                System.arraycopy(page, inPage, out, i, n);
            }
            i += n;
        }
        return out;
    }

    /** Whether the page holding {@code offset} is allocated. */
    public boolean allocated(long offset) {
        return pages.containsKey(offset / PAGE);
    }

    // ---- Export ----

    @Override
    public CompletableFuture<ReadResult> read(long offset, int length) {
        return run(Op.READ, offset, () -> readNow(offset, length));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuf payload, boolean fua) {
        return run(Op.WRITE, offset, () -> {
            try {
                byte[] data = new byte[payload.readableBytes()];
                payload.getBytes(payload.readerIndex(), data);
                store(offset, data);
                persistIf(fua, offset, data.length);
            } finally {
                payload.release();
            }
            return null;
        }, payload::release);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return run(Op.FLUSH, 0, () -> {
            durablePages.keySet().retainAll(pages.keySet());
            pages.forEach((pageNo, page) -> durablePages.put(pageNo, page.clone()));
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
        return run(Op.TRIM, offset, () -> {
            punch(offset, length, false);
            persistIf(fua, offset, length);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean noHole, boolean fastZero,
                                              boolean fua) {
        return run(Op.WRITE_ZEROES, offset, () -> {
            punch(offset, length, noHole);
            persistIf(fua, offset, length);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> cache(long offset, long length) {
        return run(Op.CACHE, offset, () -> null);
    }

    /** Offers meta context {@code context}, answering {@code extents} for any range (null: offers it no more). */
    public void offerContext(String context, List<BlockStatusExtent> extents) {
        if (extents == null) {
            contexts.remove(context);
        } else {
            contexts.put(context, List.copyOf(extents));
        }
    }

    @Override
    public List<String> metaContexts() {
        return List.copyOf(contexts.keySet());
    }

    @Override
    public CompletableFuture<List<BlockStatusExtent>> metaContextStatus(String context, long offset, long length) {
        List<BlockStatusExtent> extents = contexts.get(context);
        return extents == null ? Export.super.metaContextStatus(context, offset, length)
                : CompletableFuture.completedFuture(extents);
    }

    @Override
    public CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length) {
        return run(Op.BLOCK_STATUS, offset, () -> extents(offset, length));
    }

    @Override
    public void clientAttached() {
        attached.incrementAndGet();
    }

    @Override
    public void clientDetached() {
        attached.decrementAndGet();
    }

    // ---- internals ----

    private <T> CompletableFuture<T> run(Op op, long offset, Supplier<T> action) {
        return run(op, offset, action, () -> { });
    }

    private <T> CompletableFuture<T> run(Op op, long offset, Supplier<T> action, Runnable onFailure) {
        calls.get(op).incrementAndGet();
        maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
        Throwable failure = failures.remove(op);
        CompletableFuture<Void> release;
        if (held.containsKey(op)) {
            Gate gate = new Gate(op, offset);
            parked.add(gate);
            release = gate.release;
        } else {
            release = CompletableFuture.completedFuture(null);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        release.whenComplete((v, gateError) -> {
            Throwable error = gateError != null ? gateError : failure;
            outstanding.decrementAndGet();
            if (error != null) {
                onFailure.run();
                result.completeExceptionally(error);
                return;
            }
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private ReadResult readNow(long offset, int length) {
        List<ReadResult.Chunk> chunks = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            boolean data = allocated(pos);
            long runEnd = pos;
            while (runEnd < end && allocated(runEnd) == data) {
                runEnd = Math.min(end, (runEnd / PAGE + 1) * PAGE);
            }
            int n = (int) (runEnd - pos);
            if (data) {
                TrackedBuffer buf = new TrackedBuffer(n, unreleasedReadBytes, maxUnreleasedReadBytes);
                buf.writeBytes(contents(pos, n));
                chunks.add(new ReadResult.Data(pos, buf));
            } else {
                chunks.add(new ReadResult.Hole(pos, n));
            }
            pos = runEnd;
        }
        return new ReadResult(chunks);
    }

    private void store(long offset, byte[] data) {
        for (int i = 0; i < data.length; ) {
            long pos = offset + i;
            int inPage = (int) (pos % PAGE);
            int n = Math.min(PAGE - inPage, data.length - i);
            byte[] page = pages.computeIfAbsent(pos / PAGE, k -> new byte[PAGE]);
            System.arraycopy(data, i, page, inPage, n);
            i += n;
        }
    }

    /** Copies the pages overlapping {@code [offset, +length)} to the durable copy (more is always allowed). */
    private void persistIf(boolean persist, long offset, long length) {
        if (!persist || length == 0) {
            return;
        }
        for (long pageNo = offset / PAGE; pageNo <= (offset + length - 1) / PAGE; pageNo++) {
            byte[] page = pages.get(pageNo);
            if (page == null) {
                durablePages.remove(pageNo);
            } else {
                durablePages.put(pageNo, page.clone());
            }
        }
    }

    /** Zeroes a range: whole pages are deallocated unless {@code keepAllocated}, partial pages zeroed. */
    private void punch(long offset, long length, boolean keepAllocated) {
        long end = offset + length;
        for (long pos = offset; pos < end; ) {
            long pageNo = pos / PAGE;
            int inPage = (int) (pos % PAGE);
            int n = (int) Math.min(PAGE - inPage, end - pos);
            if (n == PAGE && !keepAllocated) {
                pages.remove(pageNo);
            } else if (keepAllocated) {
                byte[] page = pages.computeIfAbsent(pageNo, k -> new byte[PAGE]);
                java.util.Arrays.fill(page, inPage, inPage + n, (byte) 0);
            } else {
                byte[] page = pages.get(pageNo);
                if (page != null) {
                    java.util.Arrays.fill(page, inPage, inPage + n, (byte) 0);
                }
            }
            pos += n;
        }
    }

    private List<BlockStatusExtent> extents(long offset, long length) {
        List<BlockStatusExtent> out = new ArrayList<>();
        long end = Math.min(size, offset + length);
        long pos = offset;
        while (pos < end) {
            boolean data = allocated(pos);
            long next = pos;
            while (next < end && allocated(next) == data) {
                next = Math.min(end, (next / PAGE + 1) * PAGE);
            }
            out.add(data ? BlockStatusExtent.data(next - pos) : BlockStatusExtent.hole(next - pos));
            pos = next;
        }
        return out;
    }
}
