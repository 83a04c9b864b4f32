package dev.ferry.mapper;

import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.mirror.MirrorListener;
import dev.ferry.mapper.mirror.MirrorTargetType;
import dev.ferry.mapper.targets.DeviceResolver;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.time.Duration;
import java.util.Objects;

/**
 * One process's device-mapper: the scheduler, the shared {@link Copier} (kcopyd), every target type
 * including {@code mirror}, and the {@link DeviceRegistry} of named mapped devices built on them.
 *
 * <p>Tables are parsed and loaded through {@link #registry()}, e.g.
 * {@code registry().create("lv", "0 2048 linear /dev/sdb 0")}. Mirror leg failures and the end of mirror
 * recovery arrive as events of the mapped device holding the mirror ({@code MappedDevice.addListener}).
 * Parsing a table with a mirror on a {@code disk} log reads that log synchronously (see
 * {@link MirrorTargetType}): call {@code create}/{@code load} off event loops.
 */
public final class DeviceMapper {

    /** Default bound for the implicit suspend of {@code resume()} with a table waiting. */
    public static final Duration DEFAULT_SUSPEND_TIMEOUT = Duration.ofSeconds(30);

    private final Scheduler scheduler;
    private final Copier copier;
    private final TargetTypes targetTypes;
    private final DeviceRegistry registry;

    /**
     * Creates a device-mapper.
     *
     * @param scheduler      time for targets, copier pacing and suspend timeouts
     * @param copierConfig   the shared copier's tuning (mirror recovery and explicit copies)
     * @param files          resolves names in tables that are not mapped devices (file and device paths)
     * @param suspendTimeout bounds implicit suspends
     */
    public DeviceMapper(Scheduler scheduler, CopierConfig copierConfig, DeviceResolver files, Duration suspendTimeout) {
        this(scheduler, copierConfig, files, suspendTimeout, MirrorListener.NONE);
    }

    /** As above, with every mirror reporting its events (leg failures, stale copies, resync) to {@code mirrors}. */
    public DeviceMapper(Scheduler scheduler, CopierConfig copierConfig, DeviceResolver files, Duration suspendTimeout,
                        MirrorListener mirrors) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.copier = new Copier(copierConfig, scheduler);
        this.targetTypes = TargetTypes.standard().with(
                new MirrorTargetType(copier, mirrors, MirrorTargetType.DEFAULT_RECOVERY_REGIONS));
        this.registry = new DeviceRegistry(targetTypes, scheduler, files, suspendTimeout);
    }

    /** A device-mapper on real time with the default copier and suspend timeout. */
    public static DeviceMapper create(DeviceResolver files) {
        return new DeviceMapper(Scheduler.system(), CopierConfig.defaults(), files, DEFAULT_SUSPEND_TIMEOUT);
    }

    /** The named mapped devices; tables given to it may use every target type of {@link #targetTypes()}. */
    public DeviceRegistry registry() {
        return registry;
    }

    /** The copier shared by mirror recovery and explicit copies; its rate limit can change at any time. */
    public Copier copier() {
        return copier;
    }

    /** linear, striped, error, zero, delay, flakey and mirror. */
    public TargetTypes targetTypes() {
        return targetTypes;
    }

    /** The scheduler everything here runs on. */
    public Scheduler scheduler() {
        return scheduler;
    }
}
