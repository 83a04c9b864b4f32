package dev.ferry.mapper.block;

import dev.ferry.mapper.nativeio.Advice;
import dev.ferry.mapper.nativeio.NativeIo;
import dev.ferry.mapper.nativeio.NativeIoException;
import dev.ferry.mapper.nativeio.OwnedFd;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BlockDevice} on a regular file or a Linux block device: data moves through a shared
 * {@link FileChannel} with positional I/O, deallocation, zeroing and allocation queries through
 * {@link NativeIo}, and every blocking call runs on the caller's {@link Executor}, except page-aligned writes from
 * threads that {@link InlineWrites} lets write inline.
 *
 * <p>Lifecycle: {@link #close()} (or {@link #closeAsync()}) refuses new operations and new
 * {@link #fileSpan file spans} at once (they fail with {@link BlockIoException.Kind#SHUTDOWN} or
 * return empty), then waits until every in-flight operation has completed and every span has been
 * closed, and only then closes the file. A span that is never closed keeps the file open.
 */
public final class FileBlockDevice implements BlockDevice {

    private static final Logger LOG = LoggerFactory.getLogger(FileBlockDevice.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final long CLOSE_WARN_SECONDS = 10;

    /** Whether the device accepts writes. */
    public enum Access {
        /** Reads and writes. */
        READ_WRITE,
        /** Reads only; writes, discards and zeroing fail with {@link BlockIoException.Kind#READ_ONLY}. */
        READ_ONLY
    }

    /** One blocking step run on the executor. */
    private interface IoCall<T> {
        T run() throws IOException;
    }

    private final Path path;
    private final NativeIo io;
    private final FileChannel channel;
    /** The same file opened O_DSYNC, for FUA writes: durable for their own range only (null if read-only). */
    private final FileChannel dsync;
    private final OwnedFd fd;
    private final Medium medium;
    private final boolean readOnly;
    private final long size;
    private final int blockSize;
    private final Executor executor;
    private final UseGate gate;
    private final IoFailures failures;
    private final FileSpan.CachedReads cachedReads = new PageCacheReads();
    private final InlineWrites inlineWrites;

    private FileBlockDevice(Path path, NativeIo io, FileChannel channel, FileChannel dsync, OwnedFd fd,
            Medium medium, boolean readOnly, int blockSize, Executor executor) throws IOException {
        this.path = path;
        this.io = io;
        this.channel = channel;
        this.dsync = dsync;
        this.fd = fd;
        this.medium = medium;
        this.readOnly = readOnly;
        this.size = medium.size();
        this.blockSize = blockSize;
        this.executor = executor;
        this.gate = new UseGate(this::release);
        this.failures = new IoFailures(path, io);
        this.inlineWrites = new InlineWrites(System::nanoTime, io.pageSize());
    }

    /**
     * Opens an existing regular file (its current length is the device size) or block device.
     *
     * @param executor runs the blocking work; owned by the caller, who keeps it running until the
     *                 device is closed (see {@link IoExecutors})
     */
    public static FileBlockDevice open(Path path, Access access, Executor executor) throws IOException {
        NativeIo io = NativeIo.get();
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        boolean block = (mode & S_IFMT) == S_IFBLK;
        if (!block && !Files.isRegularFile(path)) {
            throw new IOException(path + " is neither a regular file nor a block device");
        }
        boolean readOnly = access == Access.READ_ONLY;
        FileChannel channel = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        OwnedFd fd = null;
        FileChannel dsync = null;
        try {
            dsync = readOnly ? null : FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
            fd = io.open(path, !readOnly);
            Medium medium;
            int blockSize;
            if (block) {
                BlockDeviceMedium device = BlockDeviceMedium.open(io, fd, channel,
                        (Long) Files.getAttribute(path, "unix:rdev"));
                medium = device;
                blockSize = device.blockSize();
            } else {
                medium = new RegularFileMedium(io, fd, channel);
                blockSize = (int) Math.min(Integer.MAX_VALUE, Files.getFileStore(path).getBlockSize());
            }
            FileBlockDevice device = new FileBlockDevice(path, io, channel, dsync, fd, medium, readOnly, blockSize,
                    executor);
            LOG.debug("opened {} ({}, {} bytes, block size {})", path, block ? "block device" : "file",
                    device.size, blockSize);
            return device;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, fd);
            closeQuietly(dsync, null);
            throw e;
        }
    }

    /**
     * Creates a sparse regular file of {@code size} bytes (or extends an empty one) and opens it
     * read-write. An existing non-empty file is refused unless {@code replaceExisting}, in which case its
     * contents are discarded.
     *
     * @throws FileAlreadyExistsException if the file exists, is not empty and may not be replaced
     */
    public static FileBlockDevice createSparse(Path path, long size, boolean replaceExisting, Executor executor)
            throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + path);
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(path.toString(), null, "exists and is not a regular file");
            }
            if (Files.size(path) > 0 && !replaceExisting) {
                throw new FileAlreadyExistsException(path.toString(), null,
                        "exists with " + Files.size(path) + " bytes; refusing to overwrite it");
            }
        } else {
            Files.createFile(path);
        }
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(0);
            file.setLength(size);
        }
        return open(path, Access.READ_WRITE, executor);
    }

    @Override
    public long size() {
        return size;
    }

    /** The file or device path. */
    public Path path() {
        return path;
    }

    /** Whether this is a block device rather than a regular file. */
    public boolean isBlockDevice() {
        return !medium.regularFile();
    }

    /** Whether writes are refused. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** The logical block size: BLKSSZGET for a block device, the file system's block size for a file. */
    public int logicalBlockSize() {
        return blockSize;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        ByteBuffer view = dst.duplicate();
        return submit("read", offset, view.remaining(), false, () -> {
            ChannelIo.readFully(channel, view, offset);
            return null;
        });
    }

    /** Writes on the executor, or on the calling thread where {@link InlineWrites} allows. */
    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        ByteBuffer view = src.duplicate();
        int length = view.remaining();
        IoCall<Void> call = () -> {
            ChannelIo.writeFully(fua ? dsync : channel, view, offset);
            return null;
        };
        String op = fua ? "write(fua)" : "write";
        if (!inlineWrites.runsHere(offset, length, fua)) {
            return submit(op, offset, length, true, call);
        }
        CompletableFuture<Void> refused = refusal(op, offset, length, true);
        if (refused != null) {
            return refused;
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        long started = inlineWrites.start();
        run(op, offset, length, call, result);
        inlineWrites.finished(started, length);
        return result;
    }

    @Override
    public CompletableFuture<Void> flush() {
        return submit("flush", 0, 0, false, () -> {
            channel.force(false);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return submit("discard", offset, length, true, () -> {
            if (length > 0) {
                medium.discard(offset, length);
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return submit(mayUnmap ? "writeZeroes" : "writeZeroes(no-hole)", offset, length, true, () -> {
            if (length > 0) {
                medium.writeZeroes(offset, length, mayUnmap);
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        if (length == 0) {
            return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.INVALID,
                    describe() + ": allocation of an empty range at " + offset));
        }
        return submit("allocation", offset, length, false, () -> medium.allocation(offset, length));
    }

    /** Passes an access-pattern hint for a range ({@code posix_fadvise}); length 0 means to the end. */
    public CompletableFuture<Void> advise(long offset, long length, Advice advice) {
        return submit("advise(" + advice + ")", offset, length, false, () -> {
            io.fadvise(fd, offset, length, advice);
            return null;
        });
    }

    /**
     * For a regular file whose current length covers the range, a span on the shared channel; it pins
     * the file open (see the class comment) until closed. Empty for block devices, for ranges outside
     * the device or the file's length, and once closing. The channel is shared: never close it.
     *
     * <p>The length check costs a {@code fstat} per span; a build without it (a span past the end of a file
     * shortened underneath reads nothing cached there, as the device's own reads do) served 4 KiB random reads
     * about 5 % slower in a same-run comparison (medians of 6 alternating rounds), so it stays.
     */
    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        if (!medium.regularFile() || outOfRange(offset, length) || !gate.tryEnter()) {
            return Optional.empty();
        }
        try {
            if (offset + length > channel.size()) {
                gate.exit();
                return Optional.empty();
            }
        } catch (IOException e) {
            gate.exit();
            LOG.debug("{}: no file span, size unknown: {}", path, e.toString());
            return Optional.empty();
        }
        AtomicBoolean released = new AtomicBoolean();
        return Optional.of(new FileSpan(channel, offset, length, () -> {
            if (released.compareAndSet(false, true)) {
                gate.exit();
            }
        }, medium::allocation, cachedReads));
    }

    /**
     * For a block device, whether its queue zeroes without writing data ({@code write_zeroes_max_bytes}
     * &gt; 0); for a regular file, optimistic until the file system refuses both ZERO_RANGE and
     * punch-then-allocate. Always false when read-only.
     */
    @Override
    public boolean fastZeroes() {
        return !readOnly && medium.fastZeroes();
    }

    @Override
    public String describe() {
        return path.toString();
    }

    /**
     * What the page cache holds of the file, read without waiting ({@code preadv2} with {@code RWF_NOWAIT}).
     */
    private final class PageCacheReads implements FileSpan.CachedReads {
        @Override
        public int read(long position, ByteBuffer dst) throws IOException {
            return io.readCached(fd, dst, position);
        }
    }

    /**
     * Starts closing: new operations and spans are refused at once; the future completes when the
     * in-flight ones are done and the file is closed.
     */
    public CompletableFuture<Void> closeAsync() {
        return gate.close();
    }

    /**
     * Closes, waiting for in-flight operations and outstanding spans (logging while they hold it open).
     * Never call this on an I/O thread of the device's executor: an operation queued behind it could not
     * run; use {@link #closeAsync()} there.
     */
    @Override
    public void close() {
        CompletableFuture<Void> closed = closeAsync();
        while (true) {
            try {
                closed.get(CLOSE_WARN_SECONDS, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException e) {
                LOG.warn("closing {}: still waiting for {} in-flight operations or file spans", path, gate.users());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("closing {}: interrupted; it closes when its last user finishes", path);
                return;
            } catch (ExecutionException e) {
                LOG.warn("closing {} failed", path, e.getCause());
                return;
            }
        }
    }

    private void release() {
        closeQuietly(channel, fd);
        closeQuietly(dsync, null);
        LOG.debug("closed {}", path);
    }

    private static void closeQuietly(FileChannel channel, OwnedFd fd) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.warn("closing channel of {} failed", fd == null ? "?" : fd.path(), e);
        }
        if (fd != null) {
            try {
                fd.close();
            } catch (NativeIoException e) {
                LOG.warn("closing {} failed", fd, e);
            }
        }
    }

    private boolean outOfRange(long offset, long length) {
        return offset < 0 || length < 0 || offset > size - length;
    }

    private <T> CompletableFuture<T> submit(String op, long offset, long length, boolean writes, IoCall<T> call) {
        CompletableFuture<T> refused = refusal(op, offset, length, writes);
        if (refused != null) {
            return refused;
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> run(op, offset, length, call, result));
        } catch (RejectedExecutionException e) {
            gate.exit();
            boolean shutDown = executor instanceof ExecutorService && ((ExecutorService) executor).isShutdown();
            result.completeExceptionally(shutDown
                    ? failures.of(BlockIoException.Kind.SHUTDOWN, op, offset, length, "I/O executor is shut down", e)
                    : failures.of(BlockIoException.Kind.IO_ERROR, op, offset, length, "I/O executor is saturated", e));
        }
        return result;
    }

    /**
     * The failed future of an operation this device refuses (a write to a read-only device, a range outside it, a
     * closed device), or null after entering the gate for it: the caller must then {@link #run} it.
     */
    private <T> CompletableFuture<T> refusal(String op, long offset, long length, boolean writes) {
        if (writes && readOnly) {
            return CompletableFuture.failedFuture(failures.of(BlockIoException.Kind.READ_ONLY, op, offset, length,
                    "device is read-only", null));
        }
        if (outOfRange(offset, length)) {
            return CompletableFuture.failedFuture(failures.of(BlockIoException.Kind.INVALID, op, offset, length,
                    "range outside device of " + size + " bytes", null));
        }
        if (!gate.tryEnter()) {
            return CompletableFuture.failedFuture(failures.of(BlockIoException.Kind.SHUTDOWN, op, offset, length,
                    "device is closed", null));
        }
        return null;
    }

    private <T> void run(String op, long offset, long length, IoCall<T> call, CompletableFuture<T> result) {
        T value = null;
        Throwable failure = null;
        try {
            Thread.interrupted(); // a stale interrupt would close the shared channel
            value = call.run();
        } catch (Throwable t) {
            failure = failures.translate(op, offset, length, t);
        } finally {
            gate.exit();
        }
        if (failure == null) {
            result.complete(value);
        } else {
            result.completeExceptionally(failure);
        }
    }
}
