package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.target.DeviceResolver;
import dev.ferry.mapper.target.Target;
import dev.ferry.mapper.target.TargetType;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Parses dm-raid1 table arguments:
 * {@code <log_type> <#log_args> <log_args...> <#devs> (<dev> <offset>){2..9} [<#features> handle_errors]}
 * with logs {@code core <region_sectors> [sync|nosync]} and {@code disk <log_dev> <region_sectors> [sync|nosync]}.
 */
public final class MirrorTargetType implements TargetType {

    /** dm-raid1's limit: one source plus DM_KCOPYD_MAX_REGIONS destinations. */
    public static final int MAX_LEGS = 9;
    private static final long LOG_OPEN_TIMEOUT_SECONDS = 30;

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

    @Override
    public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
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
        boolean handleErrors = false;
        if (c.hasNext()) {
            int features = c.nextInt("<#features>");
            if (features != 1) {
                throw new IllegalArgumentException("mirror: <#features> must be 1 (handle_errors), got " + features);
            }
            String f = c.next("feature");
            if (!f.equals("handle_errors")) {
                throw new IllegalArgumentException("mirror: unknown feature '" + f + "'");
            }
            handleErrors = true;
        }
        if (c.hasNext()) {
            throw new IllegalArgumentException("mirror: too many arguments from '" + c.next("") + "'");
        }
        long size = lengthSectors * 512;
        RegionLog log = createLog(logType, logArgs, size, devices);
        return new MirrorTarget(size, log, legs, copier, listener, recoveryRegions, handleErrors);
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
            throw new UncheckedIOException(new java.io.IOException("mirror: cannot read log on " + logName, e.getCause()));
        } catch (TimeoutException e) {
            throw new UncheckedIOException(new java.io.IOException("mirror: reading log on " + logName + " timed out", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted opening mirror log on " + logName, e);
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
            String s = next(what);
            try {
                long v = Long.parseLong(s);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("mirror: " + what + " must be a non-negative number, got '" + s + "'");
            }
        }

        int nextInt(String what) {
            long v = nextLong(what);
            if (v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("mirror: " + what + " too large: " + v);
            }
            return (int) v;
        }
    }
}
