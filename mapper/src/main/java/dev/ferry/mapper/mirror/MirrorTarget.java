package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.targets.Target;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code mirror} target (dm-raid1): keeps 2..9 legs identical region by region. Writes to in-sync
 * regions go to every live leg after the region's dirty mark is durable; writes to out-of-sync regions
 * go to the default (first) leg only; writes to a region being recovered wait for its copy. Reads of
 * in-sync regions are balanced over the live legs (round robin) and fall over to another live leg on an
 * error; reads of out-of-sync regions use the default leg. A write is acknowledged only if it reached the
 * default leg. A leg failure is recorded (status health characters) and raised to the {@link MirrorListener}; a dead
 * non-default leg is never written, read or recovered onto again, and the regions its copy may lack are marked out of
 * sync: those dirty when it died (writes not yet covered by a flush of every leg) and, from then on, each in-sync
 * region written without it (durably before the write is acknowledged). The regions still in sync are those whose
 * copy on the dead leg was complete and flushed, so a later table with the leg back (a pvmove resumed after its
 * destination failed) copies only the others. Legs named {@code offline} in the features are loaded dead.
 * Background recovery (from the default leg) runs between {@link #resume()} and {@link #postsuspend()}.
 *
 * <p>With the {@code keep_serving} feature (LVM/AIX-style mirrored volumes) a failure affects region copies,
 * not whole legs: a write goes to every leg whose copy of the region is good; a leg that misses it becomes
 * stale for that region (recorded through {@link MirrorListener#copyStale} before the write is acknowledged)
 * and is never read there; reads use any good copy (out-of-sync regions their source, the first good leg,
 * first); a failed leg flush makes the whole leg stale ({@link MirrorListener#legStale}); recovery copies
 * each out-of-sync region from its source onto the legs that need it. A leg may hold no copy of some regions
 * ({@code absent}): it is neither used nor recovered there. {@link LegRegions} holds the stale and absent copies.
 */
public final class MirrorTarget implements Target {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorTarget.class);

    private final long size;
    private final RegionLog log;
    private final List<Leg> legs;
    private final MirrorListener listener;
    private final MirrorFeatures features;
    private final LegRegions regions;
    private final RegionTracker tracker;
    private final MirrorRecovery recovery;
    private final MirrorIo io;

    /**
     * Creates a mirror of {@code size} bytes over {@code legs} (the first is the default leg).
     *
     * @param recoveryRegions regions recovered concurrently
     * @param features        the table's features (a throttle group's rate outlives table reloads; the stale
     *                        ranges must lie within the log's regions)
     */
    public MirrorTarget(long size, RegionLog log, List<MirrorLeg> legs, Copier copier, MirrorListener listener,
            int recoveryRegions, MirrorFeatures features) {
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
            Leg leg = new Leg(built.size(), l.name(), l.device(), offset);
            if (features.offlineLegs().contains(leg.index)) {
                leg.record(LegError.WRITE, "offline: loaded failed, never used by this table");
            }
            built.add(leg);
        }
        this.size = size;
        this.log = log;
        this.legs = List.copyOf(built);
        this.listener = listener;
        this.features = features;
        this.regions = new LegRegions(this.legs, log, features);
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

    /**
     * Flushes every live leg (every leg with keep_serving, where a leg whose flush fails becomes stale and the
     * flush succeeds if another leg flushed); afterwards regions whose writes had settled are marked clean (lazily).
     */
    @Override
    public CompletableFuture<Void> flush() {
        return io.flush();
    }

    /**
     * A span of one leg holding every acknowledged write of the range: in sync throughout, the next live leg in a round
     * robin that gives one (with {@code keep_serving}, a mirrored LV's, only a leg whose copy is good throughout the
     * range); otherwise, without {@code keep_serving} (a pvmove's), the default leg, and with it none. A read through a
     * span bypasses the legs' failure accounting, so a leg with a read failure recorded gives no span, nor does one
     * whose device offers none (a PV whose I/O is failing); its reader reads only what the page cache holds that way
     * and leaves the rest to the regular path, which falls over to the next good leg on a read error.
     */
    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        if (offset < 0 || length <= 0 || offset > size - length) {
            return Optional.empty();
        }
        for (Leg leg : regions.spanLegs(firstRegion(offset), lastRegion(offset, length))) {
            Optional<FileSpan> span = leg.device.fileSpan(leg.offset + offset, length);
            if (span.isPresent()) {
                return span;
            }
        }
        return Optional.empty();
    }

    /** The allocation of the range on its source; all allocated when no leg holds a good copy of all of it. */
    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        Leg source = offset < 0 || length <= 0 || offset > size - length ? defaultLeg()
                : regions.sourceFor(firstRegion(offset), lastRegion(offset, length));
        if (source == null) {
            return CompletableFuture.completedFuture(List.of(new Extent(offset, length, true, false)));
        }
        return source.device.allocation(source.offset + offset, length).thenApply(list -> list.stream()
                .map(e -> new Extent(e.offset() - source.offset, e.length(), e.allocated(), e.zero())).toList());
    }

    private int firstRegion(long offset) {
        return (int) (offset / log.regionSize());
    }

    private int lastRegion(long offset, long length) {
        return (int) ((offset + length - 1) / log.regionSize());
    }

    @Override
    public String describe() {
        return "mirror(" + String.join(",", legs.stream().map(l -> l.name).toList()) + ")";
    }

    @Override
    public String type() {
        return "mirror";
    }

    /**
     * {@code <log args> <#legs> (<dev> <offset>)... [<#features> [handle_errors] [keep_serving]
     * [stale <leg> <ranges>]... [absent <leg> <ranges>]... [throttle <group>]]}, the features as loaded (stale copies
     * marked since are not echoed: they reach the table through the listener's records).
     */
    @Override
    public String params() {
        StringBuilder b = new StringBuilder(log.tableArgs()).append(' ').append(legs.size());
        for (Leg l : legs) {
            b.append(' ').append(l.name).append(' ').append(l.offset / 512);
        }
        List<String> words = features.words();
        if (!words.isEmpty()) {
            b.append(' ').append(words.size()).append(' ').append(String.join(" ", words));
        }
        return b.toString();
    }

    /** The copier throttle group of the recovery copies, or null. */
    String throttleGroup() {
        return features.throttleGroup();
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

    /**
     * Starts comparing every leg with the default leg over the regions covering {@code [offset, offset+length)},
     * holding writes to each region while it is read ({@link LegComparison}); for a mirror without keep_serving.
     */
    public LegComparison compareLegs(long offset, long length) {
        if (offset < 0 || length <= 0 || offset > size - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside " + size + " bytes");
        }
        LegComparison c = new LegComparison(this, firstRegion(offset), lastRegion(offset, length));
        c.step();
        return c;
    }

    /** Whether the disk region log failed a write (it then refuses the dirty marks writes need). */
    public boolean logFailed() {
        return log instanceof DiskRegionLog d && d.failed();
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

    /** Number of legs. */
    public int legCount() {
        return legs.size();
    }

    /** The device name of leg {@code leg} as the table gives it. */
    public String legName(int leg) {
        return legs.get(leg).name;
    }

    /** Whether the mirror has the {@code keep_serving} feature. */
    public boolean keepServing() {
        return regions.keepServing();
    }

    /** A snapshot of the regions whose copy on leg {@code leg} is stale (always empty without keep_serving). */
    public BitSet staleRegions(int leg) {
        if (leg < 0 || leg >= legs.size()) {
            throw new IndexOutOfBoundsException("leg " + leg + " outside 0.." + (legs.size() - 1));
        }
        return regions.staleRegions(leg);
    }

    /**
     * A snapshot of the regions whose copy on leg {@code leg} this mirror knew stale at some time: stale at load or
     * marked stale since (always empty without keep_serving). A copy marked stale elsewhere (in metadata not loaded
     * yet) is not among them, so its being good here says nothing about it.
     */
    public BitSet staleSinceLoad(int leg) {
        if (leg < 0 || leg >= legs.size()) {
            throw new IndexOutOfBoundsException("leg " + leg + " outside 0.." + (legs.size() - 1));
        }
        return regions.staleSinceLoad(leg);
    }

    /** Bytes written onto legs by recovery copies since the mirror was created. */
    public long resyncedBytes() {
        return recovery.resyncedBytes();
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

    LegRegions regions() {
        return regions;
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

    /** Why recovery cannot make progress at all, or null (a dead leg blocks it only without keep_serving). */
    String recoveryBlocker() {
        for (Leg l : legs) {
            if (l.dead() && !keepServing()) {
                return "leg " + l.index + " (" + l.name + ") failed: " + l.health() + " (" + l.firstDeadFailure() + ")";
            }
        }
        if (logFailed()) {
            return "region log failed";
        }
        return null;
    }

    /**
     * Records a leg failure and raises it once per kind; without keep_serving, stops counting a dead leg as a copy
     * (with it, the caller marks the copies the failure made stale).
     */
    void legFailed(Leg leg, LegError error, long offset, Throwable err) {
        Throwable cause = unwrap(err);
        boolean first = leg.record(error, error.name().toLowerCase(Locale.ROOT) + " failure at " + offset
                + ": " + cause.getMessage());
        if (error.dead() && !keepServing()) {
            if (leg.index != 0) {
                for (int r = 0; r < log.regionCount(); r++) {
                    if (log.dirty(r)) {
                        log.setInSync(r, false);   // its writes since the last flush may be missing on the dead leg
                    }
                }
                log.flush().exceptionally(e -> null);
            }
            recovery.cancelCopies();
        }
        if (first) {
            LOG.warn("mirror {}: leg {} ({}) {} failure at {}: {}", describe(), leg.index, leg.name, error, offset,
                    cause.toString());
            listener.legFailed(this, new LegFailure(leg.index, leg.name, error, offset, cause));
            recovery.fill();
        }
    }

    /** Marks the copy of {@code region} on {@code leg} stale and has the listener record it. */
    CompletableFuture<Void> copyStale(Leg leg, int region) {
        regions.markStale(leg, region);
        return hook("copy of region " + region + " on leg " + leg.index, () -> listener.copyStale(this, leg.index, region));
    }

    /** Marks every region's copy on {@code leg} stale and has the listener record it. */
    CompletableFuture<Void> legStale(Leg leg) {
        regions.markAllStale(leg);
        LOG.warn("mirror {}: leg {} ({}) is stale in every region", describe(), leg.index, leg.name);
        return hook("leg " + leg.index, () -> listener.legStale(this, leg.index));
    }

    private CompletableFuture<Void> hook(String what, Supplier<CompletableFuture<Void>> call) {
        CompletableFuture<Void> recorded;
        try {
            recorded = Objects.requireNonNull(call.get(), "the listener returned no future");
        } catch (RuntimeException e) {
            recorded = CompletableFuture.failedFuture(e);
        }
        return recorded.handle((v, err) -> {
            if (err != null) {
                throw new CompletionException(ioError("mirror " + describe() + ": stale " + what
                        + " could not be recorded", err));
            }
            return null;
        });
    }

    void regionSynced(int region) {
        listener.regionInSync(this, region);
    }

    void recoveryEnded(RecoveryOutcome outcome) {
        LOG.info("mirror {}: recovery finished {}", describe(), outcome);
        listener.recoveryFinished(this, outcome);
    }

    static BlockIoException ioError(String message, Throwable err) {
        return new BlockIoException(BlockIoException.Kind.IO_ERROR, message, unwrap(err));
    }

    static Throwable unwrap(Throwable err) {
        return err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    }
}
