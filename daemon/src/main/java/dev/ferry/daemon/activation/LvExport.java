package dev.ferry.daemon.activation;

import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The NBD export of one active LV, named {@code VG/LV}: forwards every request to the export over the LV's
 * mapped device and counts the clients attached, which is what makes the LV "open".
 */
final class LvExport implements Export {
    private final String name;
    private final Export delegate;
    private final AtomicInteger clients = new AtomicInteger();
    private final Consumer<LvExport> onIdle;

    /** {@code onIdle} runs whenever the last attached client detaches. */
    LvExport(String name, Export delegate, Consumer<LvExport> onIdle) {
        this.name = name;
        this.delegate = delegate;
        this.onIdle = onIdle;
    }

    /** Clients in transmission on this export. */
    int clients() {
        return clients.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return delegate.description();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public ExportCapabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public BlockSizeConstraints blockSize() {
        return delegate.blockSize();
    }

    @Override
    public CompletableFuture<ReadResult> read(long offset, int length) {
        return delegate.read(offset, length);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuf payload, boolean fua) {
        return delegate.write(offset, payload, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return delegate.flush();
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
        return delegate.trim(offset, length, fua);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean noHole, boolean fastZero,
            boolean fua) {
        return delegate.writeZeroes(offset, length, noHole, fastZero, fua);
    }

    @Override
    public CompletableFuture<Void> cache(long offset, long length) {
        return delegate.cache(offset, length);
    }

    @Override
    public CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length) {
        return delegate.blockStatus(offset, length);
    }

    @Override
    public void clientAttached() {
        clients.incrementAndGet();
        delegate.clientAttached();
    }

    @Override
    public void clientDetached() {
        delegate.clientDetached();
        if (clients.decrementAndGet() == 0) {
            onIdle.accept(this);
        }
    }
}
