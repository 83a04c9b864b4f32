package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import java.util.EnumSet;
import java.util.Set;

/** One mirror leg: a device, the byte offset the target starts at on it, and its recorded failures. */
final class Leg {

    final int index;
    final String name;
    final BlockDevice device;
    final long offset;
    private final Set<LegError> errors = EnumSet.noneOf(LegError.class);
    private String firstDeadFailure;

    Leg(int index, String name, BlockDevice device, long offset) {
        this.index = index;
        this.name = name;
        this.device = device;
        this.offset = offset;
    }

    /** Records a failure described by {@code what}; returns true if this kind was new for the leg. */
    synchronized boolean record(LegError error, String what) {
        if (error.dead() && firstDeadFailure == null) {
            firstDeadFailure = what;
        }
        return errors.add(error);
    }

    /** What the first failure that killed the leg was, or null while it lives. */
    synchronized String firstDeadFailure() {
        return firstDeadFailure;
    }

    /** Whether a failure of kind {@code error} was recorded. */
    synchronized boolean failed(LegError error) {
        return errors.contains(error);
    }

    synchronized boolean dead() {
        return errors.stream().anyMatch(LegError::dead);
    }

    /** The dm health character: A, or the most severe error recorded. */
    synchronized char health() {
        for (LegError e : LegError.values()) {
            if (errors.contains(e)) {
                return e.statusChar();
            }
        }
        return 'A';
    }
}
