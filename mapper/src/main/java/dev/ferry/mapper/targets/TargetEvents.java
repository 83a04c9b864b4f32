package dev.ferry.mapper.targets;

/**
 * Where a target reports events its owner must notice (dm's {@code dm_table_event}), e.g. a mirror leg
 * that failed or a resync that finished. The table holding the target forwards each event to the mapped
 * device the table is loaded into, which bumps its event number and tells its listeners.
 */
@FunctionalInterface
public interface TargetEvents {

    /** Discards events; for targets created outside a table. */
    TargetEvents NONE = (target, reason) -> { };

    /**
     * Reports an event of {@code target}; may be called from any thread, must not block.
     *
     * @param reason a short human-readable description, e.g. {@code "leg 1 write failure"}
     */
    void raise(Target target, String reason);
}
