package dev.ferry.mapper.mirror;

import java.util.concurrent.CompletableFuture;

/** The {@code core} log: state kept in memory only, so after a restart every region is recopied. */
public final class CoreRegionLog extends BitmapRegionLog {

    /** A log of {@code regionCount} regions of {@code regionSize} bytes. */
    public CoreRegionLog(long regionSize, int regionCount, SyncMode syncMode) {
        super(regionSize, regionCount, syncMode);
    }

    @Override
    public CompletableFuture<Void> markDirty(int region) {
        setDirty(region);
        return done();
    }

    @Override
    public CompletableFuture<Void> flush() {
        return done();
    }

    @Override
    public String tableArgs() {
        return "core " + withSync(1, sectors());
    }

    @Override
    public String statusArgs() {
        return "1 core";
    }

    @Override
    public void close() {
        // nothing held
    }
}
