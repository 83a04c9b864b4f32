package dev.ferry.nbd.testing;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.export.ExportException;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A read-only export whose reads are zero-copy {@link ReadResult.FileData} chunks over one shared
 * {@link FileChannel}; it counts pins taken and released so tests can check each is released once, and records
 * each failed send with the number of pins released when it was reported.
 */
public final class FileReadExport implements Export, AutoCloseable {

    private final FileChannel channel;
    private final long size;
    private final AtomicInteger pinsTaken = new AtomicInteger();
    private final AtomicInteger pinsReleased = new AtomicInteger();
    private final List<FailedSend> failedSends = new CopyOnWriteArrayList<>();

    /** A failed send as reported: its cause and how many pins had been released by then. */
    public record FailedSend(Throwable cause, int pinsReleasedBefore) {
    }

    /** Serves {@code file} read-only. */
    public FileReadExport(Path file) {
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
            this.size = channel.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shared channel (must stay open while reads are served). */
    public FileChannel channel() {
        return channel;
    }

    /** Pins handed out. */
    public int pinsTaken() {
        return pinsTaken.get();
    }

    /** Pins released. */
    public int pinsReleased() {
        return pinsReleased.get();
    }

    /** The failed sends reported so far. */
    public List<FailedSend> failedSends() {
        return List.copyOf(failedSends);
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public ExportCapabilities capabilities() {
        return new ExportCapabilities(true, false, false, false, false, false, false, true, false);
    }

    @Override
    public CompletableFuture<ReadResult> read(long offset, int length) {
        pinsTaken.incrementAndGet();
        AutoCloseable pin = pinsReleased::incrementAndGet;
        return CompletableFuture.completedFuture(new ReadResult(List.of(
                new ReadResult.FileData(offset, length, channel, offset, pin,
                        cause -> failedSends.add(new FailedSend(cause, pinsReleased.get()))))));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuf payload, boolean fua) {
        payload.release();
        return refused();
    }

    @Override
    public CompletableFuture<Void> flush() {
        return refused();
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
        return refused();
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean noHole, boolean fastZero,
                                              boolean fua) {
        return refused();
    }

    @Override
    public CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length) {
        return CompletableFuture.completedFuture(List.of(BlockStatusExtent.data(length)));
    }

    private static <T> CompletableFuture<T> refused() {
        return CompletableFuture.failedFuture(new ExportException(NbdConstants.NBD_EPERM, "read-only"));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
