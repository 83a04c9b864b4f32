package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.targets.Target;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code mirror} target (dm-raid1): keeps 2..9 legs identical region by region. Writes to in-sync
 * regions go to every live leg after the region's dirty mark is durable; writes to out-of-sync regions
 * go to the default (first) leg only; writes to a region being recovered wait for its copy. Reads use
 * the default leg and fall over to another leg only where the region is in sync. A write is
 * acknowledged only if it reached the default leg. A leg failure is recorded (status health
 * characters), raised to the {@link MirrorListener}, and, for a non-default leg, marks every region out
 * of sync: a dead leg is never counted as a copy. Background recovery runs between {@link #resume()}
 * and {@link #postsuspend()}.
 */
public final class MirrorTarget implements Target {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorTarget.class);

    private final long size;
    private final RegionLog log;
    private final List<Leg> legs;
    private final MirrorListener listener;
    private final boolean handleErrors;
    private final String throttleGroup;
    private final RegionTracker tracker;
    private final MirrorRecovery recovery;
    private final MirrorIo io;

    /**
     * Creates a mirror of {@code size} bytes over {@code legs} (the first is the default leg).
     *
     * @param recoveryRegions regions recovered concurrently
     * @param handleErrors    whether the table carries {@code handle_errors} (echoed in the table;
     *                        errors are always recorded and raised)
     * @param throttleGroup   the copier throttle group of the recovery copies (Ferry's {@code throttle <group>}
     *                        feature; a rate set on the group outlives table reloads), or null
     */
    public MirrorTarget(long size, RegionLog log, List<MirrorLeg> legs, Copier copier, MirrorListener listener,
            int recoveryRegions, boolean handleErrors, String throttleGroup) {
        if (legs.size() < 2) {
            throw new IllegalArgumentException("a mirror needs at least 2 legs, got " + legs.size());
        }
        if ((size + log.regionSize() - 1) / log.regionSize() != log.regionCount()) {
            throw new IllegalArgumentException("region log has " + log.regionCount() + " regions of "
                    + log.regionSize() + " bytes; a mirror of " + size + " bytes needs "
                    + (size + log.regionSize() - 1) / log.regionSize());
        }
        List<Leg> built = new ArrayList<>();
        for (MirrorLeg l : legs) {
            long offset = l.offsetSectors() * 512;
            if (offset > l.device().size() - size) {
                throw new IllegalArgumentException("mirror leg " + l.name() + ": " + size + " bytes at sector "
                        + l.offsetSectors() + " exceed its " + l.device().size() + " bytes");
            }
            built.add(new Leg(built.size(), l.name(), l.device(), offset));
        }
        this.size = size;
        this.log = log;
        this.legs = List.copyOf(built);
        this.listener = listener;
        this.handleErrors = handleErrors;
        this.throttleGroup = throttleGroup;
        this.tracker = new RegionTracker(log);
        this.recovery = new MirrorRecovery(this, copier, recoveryRegions);
        this.io = new MirrorIo(this);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return io.read(offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        int base = src.position();
        return io.mutate("write", offset, src.remaining(), (leg, at, len) -> leg.device.write(leg.offset + at,
                src.duplicate().position(base + (int) (at - offset)).limit(base + (int) (at - offset + len)), fua));
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return io.mutate("discard", offset, length, (leg, at, len) -> leg.device.discard(leg.offset + at, len));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return io.mutate("write-zeroes", offset, length,
                (leg, at, len) -> leg.device.writeZeroes(leg.offset + at, len, mayUnmap));
    }

    /** Flushes every live leg; afterwards regions whose writes had settled are marked clean (lazily). */
    @Override
    public CompletableFuture<Void> flush() {
        Map<Integer, Long> settled = tracker.settledSnapshot();
        Leg primary = defaultLeg();
        List<CompletableFuture<Void>> ops = new ArrayList<>();
        for (Leg leg : liveLegs()) {
            ops.add(leg.device.flush().handle((v, err) -> {
                if (err != null) {
                    legFailed(leg, LegError.FLUSH, -1, err);
                    if (leg == primary) {
                        throw new CompletionException(ioError("flush of default leg " + leg.name + " failed", err));
                    }
                }
                return null;
            }));
        }
        if (primary.dead()) {
            ops.add(CompletableFuture.failedFuture(ioError("default leg " + primary.name + " has failed", null)));
        }
        return CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new))
                .thenRun(() -> tracker.cleanSettled(settled));
    }

    /**
     * The default leg's file span while that leg has no failure recorded: it takes every acknowledged write, so
     * reads from it are always current, and zero-copy readers keep working while the mirror recovers. A zero-copy
     * read cannot fall over to another leg, so after any failure of the default leg (a read error included)
     * reads take the regular path, which can.
     */
    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        Leg primary = defaultLeg();
        if (primary.health() != 'A' || offset < 0 || length <= 0 || offset > size - length) {
            return Optional.empty();
        }
        return primary.device.fileSpan(primary.offset + offset, length);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        Leg primary = defaultLeg();
        return primary.device.allocation(primary.offset + offset, length).thenApply(list -> list.stream()
                .map(e -> new Extent(e.offset() - primary.offset, e.length(), e.allocated(), e.zero())).toList());
    }

    @Override
    public String describe() {
        return "mirror(" + String.join(",", legs.stream().map(l -> l.name).toList()) + ")";
    }

    @Override
    public String type() {
        return "mirror";
    }

    /** {@code <log args> <#legs> (<dev> <offset>)... [<#features> [handle_errors] [throttle <group>]]}. */
    @Override
    public String params() {
        StringBuilder b = new StringBuilder(log.tableArgs()).append(' ').append(legs.size());
        for (Leg l : legs) {
            b.append(' ').append(l.name).append(' ').append(l.offset / 512);
        }
        int words = (handleErrors ? 1 : 0) + (throttleGroup != null ? 2 : 0);
        if (words > 0) {
            b.append(' ').append(words).append(handleErrors ? " handle_errors" : "");
            if (throttleGroup != null) {
                b.append(" throttle ").append(throttleGroup);
            }
        }
        return b.toString();
    }

    /** The copier throttle group of the recovery copies, or null. */
    String throttleGroup() {
        return throttleGroup;
    }

    /** {@code <#legs> <dev>... <in_sync>/<total> 1 <health> <log status>}, as dm-raid1 prints it. */
    @Override
    public String status() {
        StringBuilder b = new StringBuilder().append(legs.size());
        for (Leg l : legs) {
            b.append(' ').append(l.name);
        }
        return b.append(' ').append(regionsInSync()).append('/').append(regionCount())
                .append(" 1 ").append(legHealth()).append(' ').append(log.statusArgs()).toString();
    }

    /**
     * Pauses recovery and persists the log while I/O still flows (region copies in flight are cancelled and
     * redone later), so the postsuspend flush inside the suspend window has little or nothing to write.
     */
    @Override
    public CompletableFuture<Void> presuspend() {
        return pauseAndFlushLog();
    }

    /** Pauses recovery if the presuspend did not, and persists what changed in the log since. */
    @Override
    public CompletableFuture<Void> postsuspend() {
        return pauseAndFlushLog();
    }

    private CompletableFuture<Void> pauseAndFlushLog() {
        return recovery.pause().thenCompose(v -> log.flush()).exceptionally(err -> {
            LOG.warn("mirror {}: log flush at suspend failed", describe(), err);
            return null;
        });
    }

    /** Starts or continues background recovery. */
    @Override
    public void resume() {
        recovery.resume();
    }

    @Override
    public void close() {
        recovery.pause();
        log.close();
    }

    /** Completes when recovery has ended for good: every region in sync, or degraded (with the reason). */
    public CompletableFuture<RecoveryOutcome> recoveryFinished() {
        return recovery.finished();
    }

    /** The state of {@code region}. */
    public RegionState regionState(int region) {
        return tracker.state(region);
    }

    /** Number of regions. */
    public int regionCount() {
        return log.regionCount();
    }

    /** Bytes per region. */
    public long regionSize() {
        return log.regionSize();
    }

    /** Regions in sync on every leg. */
    public int regionsInSync() {
        return log.syncCount();
    }

    /** One dm health character per leg: A alive, or F/D/S/R for the worst failure recorded. */
    public String legHealth() {
        StringBuilder b = new StringBuilder();
        legs.forEach(l -> b.append(l.health()));
        return b.toString();
    }

    RegionLog log() {
        return log;
    }

    RegionTracker tracker() {
        return tracker;
    }

    List<Leg> legs() {
        return legs;
    }

    Leg defaultLeg() {
        return legs.get(0);
    }

    List<Leg> liveLegs() {
        return legs.stream().filter(l -> !l.dead()).toList();
    }

    long regionStart(int region) {
        return region * log.regionSize();
    }

    long regionLength(int region) {
        return Math.min(log.regionSize(), size - regionStart(region));
    }

    /** Why recovery cannot make progress, or null. */
    String recoveryBlocker() {
        for (Leg l : legs) {
            if (l.dead()) {
                return "leg " + l.index + " (" + l.name + ") failed: " + l.health() + " (" + l.firstDeadFailure() + ")";
            }
        }
        if (log instanceof DiskRegionLog d && d.failed()) {
            return "region log failed";
        }
        return null;
    }

    /** Records a leg failure, raises it once per kind, and stops counting a dead leg as a copy. */
    void legFailed(Leg leg, LegError error, long offset, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        boolean first = leg.record(error, error.name().toLowerCase(Locale.ROOT) + " failure at " + offset
                + ": " + cause.getMessage());
        if (error.dead() && leg.index != 0) {
            log.setAllOutOfSync();
            log.flush().exceptionally(e -> null);
        }
        if (error.dead()) {
            recovery.cancelCopies();
        }
        if (first) {
            LOG.warn("mirror {}: leg {} ({}) {} failure at {}: {}", describe(), leg.index, leg.name, error, offset,
                    cause.toString());
            listener.legFailed(this, new LegFailure(leg.index, leg.name, error, offset, cause));
            recovery.fill();
        }
    }

    void regionSynced(int region) {
        listener.regionInSync(this, region);
    }

    void recoveryEnded(RecoveryOutcome outcome) {
        LOG.info("mirror {}: recovery finished {}", describe(), outcome);
        listener.recoveryFinished(this, outcome);
    }

    static BlockIoException ioError(String message, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        return new BlockIoException(BlockIoException.Kind.IO_ERROR, message, cause);
    }
}
