package dev.ferry.mapper.device;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life cycle of a {@link MappedDevice}, whose named transition methods are the only writers of its state.
 *
 * <pre>
 *             suspend()              drained (+flushed), postsuspend
 *  ACTIVE ─────────────► SUSPENDING ─────────────────────────────────► SUSPENDED
 *  ▲ ▲ ▲ │                   │ timeout, flush or postsuspend error         │
 *  │ │ └─┼───────────────────┘ (queued I/O released)                       │
 *  │ └───┼─────────────────────────────────────────────────────────────────┘
 *  │     │         resume(): swap in the inactive table if any, release queued I/O in order
 *  │     │ replace(): the inactive table goes live at once, no I/O held
 *  │     ▼
 *  │   REPLACING
 *  │     │ the old table's requests drained and it closed
 *  └─────┘ (or the inactive table was cleared before the swap)
 *  ACTIVE, SUSPENDED, REPLACING ──remove()──► REMOVED
 * </pre>
 * {@link #successors()} is exactly this diagram; {@link #checkTransition} throws for any other move.
 */
public enum DeviceState {
    /** I/O flows to the live table (or fails if there is none); queued I/O is released first, in order. */
    ACTIVE,
    /**
     * A suspend runs: the targets' presuspend hooks (and a first flush) while I/O flows, then new I/O is
     * queued while in-flight I/O drains (and, with flush, the devices are flushed again).
     */
    SUSPENDING,
    /** New I/O is queued; nothing is in flight; resume may swap in the inactive table. */
    SUSPENDED,
    /**
     * A live replace runs: I/O flows to the new table (the old one until it is swapped in) while the old
     * table's requests drain; a suspend or another replace is refused until it ends.
     */
    REPLACING,
    /** Gone: I/O fails as shut down, every operation but I/O throws. */
    REMOVED;

    /** The states this state may move to. */
    public Set<DeviceState> successors() {
        return switch (this) {
            case ACTIVE -> EnumSet.of(SUSPENDING, REPLACING, REMOVED);
            case SUSPENDING -> EnumSet.of(SUSPENDED, ACTIVE);
            case SUSPENDED -> EnumSet.of(ACTIVE, REMOVED);
            case REPLACING -> EnumSet.of(ACTIVE, REMOVED);
            case REMOVED -> EnumSet.noneOf(DeviceState.class);
        };
    }

    /** Throws {@link IllegalStateException} naming the device and both states unless {@code next} is a successor. */
    public void checkTransition(DeviceState next, String device) {
        if (!successors().contains(next)) {
            throw illegal(device, this, next);
        }
    }

    /** The error for a move of {@code device} from {@code from} to {@code to} that is not allowed. */
    static IllegalStateException illegal(String device, DeviceState from, DeviceState to) {
        return new IllegalStateException("device '" + device + "': illegal transition " + from + " -> " + to);
    }
}
