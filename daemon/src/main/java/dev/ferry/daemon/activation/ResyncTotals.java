package dev.ferry.daemon.activation;

import dev.ferry.mapper.mirror.MirrorTarget;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Bytes resync copies wrote onto each mirrored LV's legs since the activator started, over every mirror target its
 * tables have had: a replaced or removed target's count is added to the LV's past total, and a reading adds the live
 * target's. One lock makes a table swap and its retirement atomic for readers, so a reading sees a target's bytes
 * either live or past, never both.
 */
final class ResyncTotals {
    private final Map<String, Long> past = new HashMap<>();

    /** Runs {@code swap} (a new table goes live) and retires {@code old}'s count for LV {@code key}, atomically. */
    synchronized void swapped(String key, Runnable swap, Optional<MirrorTarget> old) {
        swap.run();
        old.ifPresent(m -> retire(key, m));
    }

    /** Adds removed mirror target {@code m}'s count to LV {@code key}'s past total. */
    synchronized void retire(String key, MirrorTarget m) {
        past.merge(key, m.resyncedBytes(), Long::sum);
    }

    /** LV {@code key}'s total: its past plus its live target's count, if it has one. */
    synchronized long total(String key, Supplier<Optional<MirrorTarget>> live) {
        return past.getOrDefault(key, 0L) + live.get().map(MirrorTarget::resyncedBytes).orElse(0L);
    }
}
