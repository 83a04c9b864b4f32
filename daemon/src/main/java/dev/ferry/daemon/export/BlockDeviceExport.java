package dev.ferry.daemon.export;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.block.InlineWrites;
import dev.ferry.mapper.nativeio.IoFlusher;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.export.ExportException;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one mapper {@link BlockDevice} as an NBD {@link Export}.
 *
 * <p>A long read (from {@link HoleChunks#MIN_PROBED_LENGTH}, 256 KiB, on) is read by the device on its I/O threads into
 * a pooled direct buffer, so the connection's event loop only sends it: the copy out of the page cache and the copy
 * into the socket run on two threads, as nbdkit's workers do, instead of one after the other on the event loop. A
 * short read of a range that lies in one file is read from what the page cache holds on the caller's thread without
 * waiting for I/O ({@code preadv2} with {@code RWF_NOWAIT} through the device's {@link FileSpan}:
 * {@link CachedSpanReads}), so a cached 4 KiB read needs no hand-off to another thread; the rest is read by the device
 * on its I/O threads. Long reads are split at ranges that read as zeroes ({@link HoleChunks}), sent as holes once
 * structured replies are on. Every connection shares the one device, so a flush on any connection covers writes
 * completed on all of them and the export advertises CAN_MULTI_CONN. A device that is a {@link MetaContextSource} (an
 * LV with dirty bitmaps) offers its meta contexts. Device failures become NBD errors via {@link NbdErrors}.
 */
public final class BlockDeviceExport implements Export {

    private static final Logger log = LoggerFactory.getLogger(BlockDeviceExport.class);

    private static final Runnable NOTHING = () -> { };

    private final String name;
    private final String description;
    private final BlockDevice device;
    private final boolean readOnly;
    private final ByteBufAllocator allocator;
    private final AtomicInteger clients = new AtomicInteger();
    private final Consumer<BlockDeviceExport> onIdle;

    /** Serves {@code device} as {@code name}, refusing writes when {@code readOnly}. */
    public BlockDeviceExport(String name, String description, BlockDevice device, boolean readOnly) {
        this(name, description, device, readOnly, idle -> { });
    }

    /** As above; {@code onIdle} runs whenever the last attached client detaches. */
    public BlockDeviceExport(String name, String description, BlockDevice device, boolean readOnly,
                             Consumer<BlockDeviceExport> onIdle) {
        this(name, description, device, readOnly, onIdle, PooledByteBufAllocator.DEFAULT);
    }

    /** As above, with the allocator for read buffers (tests). */
    BlockDeviceExport(String name, String description, BlockDevice device, boolean readOnly,
                      ByteBufAllocator allocator) {
        this(name, description, device, readOnly, idle -> { }, allocator);
    }

    private BlockDeviceExport(String name, String description, BlockDevice device, boolean readOnly,
                              Consumer<BlockDeviceExport> onIdle, ByteBufAllocator allocator) {
        this.name = Objects.requireNonNull(name, "name");
        this.description = Objects.requireNonNull(description, "description");
        this.device = Objects.requireNonNull(device, "device");
        this.readOnly = readOnly;
        this.onIdle = Objects.requireNonNull(onIdle, "onIdle");
        this.allocator = Objects.requireNonNull(allocator, "allocator");
    }

    /**
     * Prepares an NBD event loop thread that serves such exports, as its first act: marks it an I/O flusher
     * ({@link IoFlusher}) and lets file devices run its page-aligned writes on it ({@link InlineWrites}).
     */
    public static void prepareEventLoopThread() {
        IoFlusher.markCurrentThread();
        InlineWrites.permitCurrentThread();
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
        return device.size();
    }

    @Override
    public ExportCapabilities capabilities() {
        // FAST_ZERO is advertised even when the device cannot zero quickly: such requests are then
        // answered with ENOTSUP, which is what the flag exists for.
        return readOnly ? ExportCapabilities.FULL.asReadOnly() : ExportCapabilities.FULL;
    }

    /** Number of clients currently in transmission on this export. */
    public int attachedClients() {
        return clients.get();
    }

    @Override
    public CompletableFuture<ReadResult> read(long offset, int length) {
        if (length == 0) {
            return CompletableFuture.completedFuture(ReadResult.of(offset, Unpooled.EMPTY_BUFFER));
        }
        ByteBuf buffer;
        Optional<List<Extent>> allocation = Optional.empty();
        try {
            if (length >= HoleChunks.MIN_PROBED_LENGTH) {
                allocation = CachedSpanReads.allocation(device, offset, length);
                buffer = allocator.directBuffer(length, length);
            } else {
                CachedSpanReads.Outcome cached = CachedSpanReads.read(device, offset, length, allocator);
                if (cached.answer() != null) {
                    return CompletableFuture.completedFuture(cached.answer());
                }
                buffer = cached.partial();
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(NbdErrors.translate(e));
        }
        return readThroughDevice(offset, buffer, allocation);
    }

    /**
     * Reads the rest of the range, from the buffer's writer index on, through the device (on its I/O threads); a long
     * read whose allocation is not {@code known} asks the device for it at the same time, to send its holes as such.
     */
    private CompletableFuture<ReadResult> readThroughDevice(long offset, ByteBuf buffer,
                                                           Optional<List<Extent>> known) {
        int length = buffer.capacity();
        int done = buffer.writerIndex();
        ByteBuffer target = buffer.nioBuffer(done, length - done);
        CompletableFuture<Void> filled = guarded(() -> device.read(offset + done, target));
        CompletableFuture<List<Extent>> allocation = known.isPresent() || length < HoleChunks.MIN_PROBED_LENGTH
                ? CompletableFuture.completedFuture(known.orElse(List.of()))
                : guarded(() -> device.allocation(offset, length)).exceptionally(e -> {
                    log.debug("allocation probe of {} bytes at {} failed, sending it as data: {}", length, offset,
                            e.toString());
                    return List.of();
                });
        return settle(filled.thenCombine(allocation, (ignored, extents) -> extents), extents -> {
            buffer.writerIndex(length);
            return HoleChunks.split(offset, buffer, extents);
        }, buffer::release);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuf payload, boolean fua) {
        if (readOnly) {
            payload.release();
            return refusedReadOnly("write");
        }
        ByteBuf contiguous;
        try {
            contiguous = contiguousDirect(payload);
        } catch (RuntimeException e) {
            payload.release();
            return CompletableFuture.failedFuture(NbdErrors.translate(e));
        }
        ByteBuffer source = contiguous.nioBuffer();
        return settle(guarded(() -> device.write(offset, source, fua)), ignored -> {
            contiguous.release();
            return null;
        }, contiguous::release);
    }

    /**
     * The payload as one direct buffer: itself when it already is one, else a single copy (composite
     * payloads, heap buffers), in which case the payload is released here.
     */
    private ByteBuf contiguousDirect(ByteBuf payload) {
        if (payload.nioBufferCount() == 1 && payload.isDirect()) {
            return payload;
        }
        int n = payload.readableBytes();
        ByteBuf copy = allocator.directBuffer(n, n);
        try {
            copy.writeBytes(payload, payload.readerIndex(), n);
        } catch (RuntimeException e) {
            copy.release();
            throw e;
        }
        payload.release();
        return copy;
    }

    @Override
    public CompletableFuture<Void> flush() {
        return translated(guarded(device::flush));
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
        if (readOnly) {
            return refusedReadOnly("trim");
        }
        return durableIf(fua, guarded(() -> device.discard(offset, length)));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean noHole, boolean fastZero,
                                              boolean fua) {
        if (readOnly) {
            return refusedReadOnly("write zeroes");
        }
        if (fastZero && !device.fastZeroes()) {
            return CompletableFuture.failedFuture(new ExportException(NbdConstants.NBD_ENOTSUP,
                    device.describe() + " cannot zero faster than writing"));
        }
        return durableIf(fua, guarded(() -> device.writeZeroes(offset, length, !noHole)));
    }

    @Override
    public CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length) {
        return settle(guarded(() -> device.allocation(offset, length)),
                extents -> toBlockStatus(extents, length), NOTHING);
    }

    /** Maps device extents to {@code base:allocation} extents, merging neighbours with equal flags. */
    static List<BlockStatusExtent> toBlockStatus(List<Extent> extents, long requested) {
        if (extents.isEmpty()) {
            return List.of(BlockStatusExtent.data(requested)); // status 0 is always safe
        }
        List<BlockStatusExtent> out = new ArrayList<>(extents.size());
        long runLength = 0;
        int runFlags = -1;
        for (Extent e : extents) {
            int flags = flagsOf(e);
            if (flags == runFlags) {
                runLength += e.length();
            } else {
                if (runFlags >= 0) {
                    out.add(new BlockStatusExtent(runLength, runFlags));
                }
                runFlags = flags;
                runLength = e.length();
            }
        }
        out.add(new BlockStatusExtent(runLength, runFlags));
        return out;
    }

    private static int flagsOf(Extent e) {
        int flags = e.zero() ? NbdConstants.NBD_STATE_ZERO : 0;
        return e.allocated() ? flags : flags | NbdConstants.NBD_STATE_HOLE;
    }

    @Override
    public List<String> metaContexts() {
        return device instanceof MetaContextSource m ? m.metaContexts() : List.of();
    }

    @Override
    public CompletableFuture<List<BlockStatusExtent>> metaContextStatus(String context, long offset, long length) {
        return device instanceof MetaContextSource m ? m.metaContextStatus(context, offset, length)
                : Export.super.metaContextStatus(context, offset, length);
    }

    @Override
    public void clientAttached() {
        log.debug("client attached to export '{}' ({} attached)", name, clients.incrementAndGet());
    }

    @Override
    public void clientDetached() {
        int left = clients.decrementAndGet();
        log.debug("client detached from export '{}' ({} attached)", name, left);
        if (left == 0) {
            onIdle.accept(this);
        }
    }

    private CompletableFuture<Void> durableIf(boolean fua, CompletableFuture<Void> op) {
        CompletableFuture<Void> done = fua ? op.thenCompose(ignored -> guarded(device::flush)) : op;
        return translated(done);
    }

    private static <T> CompletableFuture<T> translated(CompletableFuture<T> op) {
        return settle(op, Function.identity(), NOTHING);
    }

    /**
     * Completes the returned future with {@code onSuccess(value)}, or runs {@code onFailure} and fails
     * it with the translated {@link ExportException} (not wrapped in a CompletionException).
     */
    private static <T, R> CompletableFuture<R> settle(CompletableFuture<T> op,
                                                      Function<? super T, ? extends R> onSuccess,
                                                      Runnable onFailure) {
        CompletableFuture<R> out = new CompletableFuture<>();
        op.whenComplete((value, failure) -> {
            if (failure != null) {
                onFailure.run();
                out.completeExceptionally(NbdErrors.translate(failure));
                return;
            }
            try {
                out.complete(onSuccess.apply(value));
            } catch (RuntimeException e) {
                out.completeExceptionally(NbdErrors.translate(e));
            }
        });
        return out;
    }

    private CompletableFuture<Void> refusedReadOnly(String what) {
        return CompletableFuture.failedFuture(new ExportException(NbdConstants.NBD_EPERM,
                "export '" + name + "' is read-only: " + what + " refused"));
    }

    /** Calls a device operation, turning a synchronous throw into a failed future. */
    private static <T> CompletableFuture<T> guarded(Supplier<CompletableFuture<T>> op) {
        try {
            return op.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
