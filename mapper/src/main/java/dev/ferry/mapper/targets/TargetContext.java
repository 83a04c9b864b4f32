package dev.ferry.mapper.targets;

import dev.ferry.mapper.time.Scheduler;
import java.util.Objects;

/**
 * What a target may use besides its arguments: the device resolver, the injected scheduler, and the
 * sink for its events.
 *
 * @param devices   resolves device names written in the arguments
 * @param scheduler time source for delays, intervals and timeouts
 * @param events    receives the target's events
 */
public record TargetContext(DeviceResolver devices, Scheduler scheduler, TargetEvents events) {

    /** Validates the context. */
    public TargetContext {
        Objects.requireNonNull(devices, "devices");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(events, "events");
    }

    /** A context with the real-time scheduler and no event sink. */
    public static TargetContext of(DeviceResolver devices) {
        return new TargetContext(devices, Scheduler.system(), TargetEvents.NONE);
    }
}
