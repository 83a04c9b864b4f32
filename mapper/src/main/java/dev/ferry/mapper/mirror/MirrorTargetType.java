package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.targets.DeviceResolver;
import dev.ferry.mapper.targets.Target;
import dev.ferry.mapper.targets.TargetArgs;
import dev.ferry.mapper.targets.TargetContext;
import dev.ferry.mapper.targets.TargetEvents;
import dev.ferry.mapper.targets.TargetType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code mirror} target type, parsing dm-raid1 table arguments:
 * {@code <log_type> <#log_args> <log_args...> <#devs> (<dev> <offset>){2..9} [<#features> [handle_errors]
 * [keep_serving] [stale <leg> <ranges>]... [absent <leg> <ranges>]... [offline <leg>]... [throttle <group>]]} with logs {@code core <region_sectors> [sync|nosync]}
 * and {@code disk <log_dev> <region_sectors> [sync|nosync]}. {@code <#features>} counts words, features may come
 * in any order, and each is given at most once ({@code stale} and {@code absent} once per leg). The features after
 * {@code handle_errors} are Ferry's:
 * <ul>
 * <li>{@code throttle <group>}: the recovery copies join the copier's throttle group (see
 *     {@link Copier#setRateLimit(String, long)});
 * <li>{@code keep_serving}: the mirror keeps serving through failing copies, tracking stale copies per leg and
 *     region (see {@link MirrorTarget});
 * <li>{@code stale <leg> <ranges>} (requires {@code keep_serving}): the regions whose copy on leg {@code <leg>}
 *     (0-based) is stale at load, as ascending comma-separated {@code a-b} (inclusive) or {@code a} ranges within
 *     the mirror's regions, e.g. {@code stale 1 0-3,9}; such regions are out of sync whatever the log says.
 * <li>{@code absent <leg> <ranges>} (requires {@code keep_serving}; same syntax): the regions leg {@code <leg>} holds
 *     no copy of (its device may map them to {@code error}): never read nor written there, never recovered onto,
 *     and not out of sync for it; with a region on fewer legs than the mirror has, an LV of extents with different
 *     copy counts is one mirror.
 * <li>{@code offline <leg>} (not with {@code keep_serving}, never leg 0): the leg is loaded failed and never touched
 *     (its device may be an {@code error} target); the regions the log has in sync stay so until written, so a
 *     later table with the leg back copies only the regions written meanwhile and those never copied (a pvmove held
 *     after its destination failed).
 * </ul>
 *
 * <p>Created through a table ({@link #create(long, List, TargetContext)}), a mirror raises a table event
 * on the first failure of each kind per leg and when recovery ends, so the mapped device's event number
 * and listeners see them (as dm does); the {@link MirrorListener} given here gets the details as well.
 *
 * <p>Blocking: with a {@code disk} log, {@code create} reads the log synchronously (bounded by
 * {@value #LOG_OPEN_TIMEOUT_SECONDS} s). Parsing or loading a table naming a mirror therefore must not
 * run on an event loop or I/O completion thread.
 */
public final class MirrorTargetType implements TargetType {

    /** dm-raid1's limit: one source plus DM_KCOPYD_MAX_REGIONS destinations. */
    public static final int MAX_LEGS = 9;
    /** Regions a mirror recovers concurrently unless told otherwise. */
    public static final int DEFAULT_RECOVERY_REGIONS = 16;
    /** Longest a {@code create} waits to read a disk log. */
    public static final long LOG_OPEN_TIMEOUT_SECONDS = 30;

    private final Copier copier;
    private final MirrorListener listener;
    private final int recoveryRegions;

    /** Mirrors recover through {@code copier}, {@code recoveryRegions} regions at a time, and report to {@code listener}. */
    public MirrorTargetType(Copier copier, MirrorListener listener, int recoveryRegions) {
        this.copier = copier;
        this.listener = listener;
        this.recoveryRegions = recoveryRegions;
    }

    @Override
    public String name() {
        return "mirror";
    }

    /** Creates a mirror whose events reach only this type's listener (not a table). */
    @Override
    public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
        return build(lengthSectors, args, devices, listener);
    }

    /** Creates a mirror whose leg failures and recovery end are also raised through {@code context.events()}. */
    @Override
    public Target create(long lengthSectors, List<String> args, TargetContext context) {
        return build(lengthSectors, args, context.devices(), new EventRaisingListener(listener, context.events()));
    }

    private Target build(long lengthSectors, List<String> args, DeviceResolver devices, MirrorListener events) {
        Cursor c = new Cursor(args);
        String logType = c.next("<log_type>");
        int logArgCount = c.nextInt("<#log_args>");
        List<String> logArgs = new ArrayList<>();
        for (int i = 0; i < logArgCount; i++) {
            logArgs.add(c.next("log argument " + (i + 1)));
        }
        int legCount = c.nextInt("<#devs>");
        if (legCount < 2 || legCount > MAX_LEGS) {
            throw new IllegalArgumentException("mirror: <#devs> must be 2.." + MAX_LEGS + ", got " + legCount);
        }
        List<MirrorLeg> legs = new ArrayList<>();
        for (int i = 0; i < legCount; i++) {
            String name = c.next("device of leg " + i);
            long offset = c.nextLong("offset of leg " + i);
            legs.add(new MirrorLeg(name, devices.resolve(name), offset));
        }
        MirrorFeatures features = MirrorFeatures.NONE;
        if (c.hasNext()) {
            int words = c.nextInt("<#features>");
            int most = maxFeatureWords(legCount);
            if (words < 1 || words > most) {
                throw new IllegalArgumentException("mirror: <#features> must be 1.." + most + " words (handle_errors, "
                        + "keep_serving, stale and absent <leg> <ranges> per leg, offline <leg>, throttle <group>), got " + words);
            }
            List<String> featureWords = new ArrayList<>();
            for (int i = 0; i < words; i++) {
                featureWords.add(c.next("feature word " + (i + 1) + " of " + words));
            }
            features = MirrorFeatures.parse(featureWords, legCount);
        }
        if (c.hasNext()) {
            throw new IllegalArgumentException("mirror: too many arguments from '" + c.next("") + "'");
        }
        long size = lengthSectors * 512;
        RegionLog log = createLog(logType, logArgs, size, devices);
        try {
            return new MirrorTarget(size, log, legs, copier, events, recoveryRegions, features);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /** The most feature words a mirror of {@code legCount} legs can have: each feature once, stale once per leg. */
    private static int maxFeatureWords(int legCount) {
        return 1 + 1 + 3 * legCount + 3 * legCount + 2 * (legCount - 1) + 2;
    }

    private RegionLog createLog(String type, List<String> args, long size, DeviceResolver devices) {
        int fixed = switch (type) {
            case "core" -> 1;
            case "disk" -> 2;
            default -> throw new IllegalArgumentException("mirror: unknown log type '" + type + "' (core or disk)");
        };
        if (args.size() != fixed && args.size() != fixed + 1) {
            throw new IllegalArgumentException("mirror: " + type + " log takes " + fixed + " or " + (fixed + 1)
                    + " arguments, got " + args.size());
        }
        long regionSectors = new Cursor(args.subList(fixed - 1, fixed)).nextLong("<region_size>");
        if (regionSectors < 1 || Long.bitCount(regionSectors) != 1) {
            throw new IllegalArgumentException("mirror: region size must be a power of two of sectors, got " + regionSectors);
        }
        SyncMode mode = SyncMode.DEFAULT;
        if (args.size() == fixed + 1) {
            mode = switch (args.get(fixed)) {
                case "sync" -> SyncMode.SYNC;
                case "nosync" -> SyncMode.NOSYNC;
                default -> throw new IllegalArgumentException("mirror: log option must be sync or nosync, got '"
                        + args.get(fixed) + "'");
            };
        }
        long regionSize = regionSectors * 512;
        long regions = (size + regionSize - 1) / regionSize;
        if (regions < 1 || regions > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("mirror: " + size + " bytes in regions of " + regionSize
                    + " bytes give " + regions + " regions");
        }
        if (type.equals("core")) {
            return new CoreRegionLog(regionSize, (int) regions, mode);
        }
        String logName = args.get(0);
        BlockDevice logDevice = devices.resolve(logName);
        try {
            return DiskRegionLog.open(logDevice, logName, regionSize, (int) regions, mode)
                    .get(LOG_OPEN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new UncheckedIOException(new IOException("mirror: cannot read log on " + logName, e.getCause()));
        } catch (TimeoutException e) {
            throw new UncheckedIOException(new IOException("mirror: reading log on " + logName + " timed out", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted opening mirror log on " + logName, e);
        }
    }

    /** Passes mirror events to a listener and raises the ones dm raises as table events. */
    private record EventRaisingListener(MirrorListener delegate, TargetEvents events) implements MirrorListener {

        @Override
        public void legFailed(MirrorTarget mirror, LegFailure failure) {
            delegate.legFailed(mirror, failure);
            events.raise(mirror, "leg " + failure.leg() + " (" + failure.device() + ") "
                    + failure.error().name().toLowerCase(Locale.ROOT) + " failure");
        }

        @Override
        public void regionInSync(MirrorTarget mirror, int region) {
            delegate.regionInSync(mirror, region);
        }

        @Override
        public void recoveryFinished(MirrorTarget mirror, RecoveryOutcome outcome) {
            delegate.recoveryFinished(mirror, outcome);
            events.raise(mirror, "recovery finished " + outcome.status() + " " + outcome.regionsInSync() + "/"
                    + outcome.regionCount() + (outcome.reason() == null ? "" : ": " + outcome.reason()));
        }

        @Override
        public CompletableFuture<Void> copyStale(MirrorTarget mirror, int leg, int region) {
            return delegate.copyStale(mirror, leg, region);
        }

        @Override
        public CompletableFuture<Void> legStale(MirrorTarget mirror, int leg) {
            return delegate.legStale(mirror, leg);
        }
    }

    /** Reads table arguments one at a time with precise errors. */
    private static final class Cursor {
        private final List<String> args;
        private int i;

        Cursor(List<String> args) {
            this.args = args;
        }

        boolean hasNext() {
            return i < args.size();
        }

        String next(String what) {
            if (!hasNext()) {
                throw new IllegalArgumentException("mirror: missing " + what);
            }
            return args.get(i++);
        }

        long nextLong(String what) {
            return TargetArgs.parse(next(what), "mirror: " + what, 0, Long.MAX_VALUE);
        }

        int nextInt(String what) {
            return (int) TargetArgs.parse(next(what), "mirror: " + what, 0, Integer.MAX_VALUE);
        }
    }
}
