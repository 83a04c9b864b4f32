package dev.ferry.daemon.bitmap;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dirty bitmaps of one LV, by name; writes to the LV mark all of them. After an lvrename they move to the
 * bitmaps of the new name ({@link #moveTo}), and writes through a device still holding the old object (clients
 * attached under the old name) mark them there. Thread-safe.
 */
final class LvBitmaps {

    private final Map<String, DirtyBitmap> byName = new ConcurrentHashMap<>();
    private volatile LvBitmaps movedTo;

    /** Marks {@code [offset, offset + length)} in every bitmap. */
    void mark(long offset, long length) {
        for (DirtyBitmap b : byName.values()) {
            b.mark(offset, length);
        }
        LvBitmaps next = movedTo;
        if (next != null) {
            next.mark(offset, length);
        }
    }

    /** Moves every bitmap to {@code target}, which from now on also gets this object's marks. */
    void moveTo(LvBitmaps target) {
        movedTo = target;
        for (DirtyBitmap b : list()) {
            target.add(b);
            remove(b.name());
        }
    }

    /** The bitmaps, sorted by name. */
    List<DirtyBitmap> list() {
        return byName.values().stream().sorted(Comparator.comparing(DirtyBitmap::name)).toList();
    }

    Optional<DirtyBitmap> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Adds {@code b} unless one of its name exists; returns whether it was added. */
    boolean add(DirtyBitmap b) {
        return byName.putIfAbsent(b.name(), b) == null;
    }

    /** Removes the bitmap called {@code name}; returns whether there was one. */
    boolean remove(String name) {
        return byName.remove(name) != null;
    }
}
