package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.PvSelection;
import java.util.List;

/**
 * What {@code pvmove} is asked: the source PV (with optional PE ranges), destinations (empty: anywhere else in
 * the VG), an optional LV name ({@code -n}), {@code --atomic}, the allocation policy (null: inherit), the rate
 * limit in bytes/s (0 = none) and {@code --verify}.
 */
public record PvMoveRequest(PvSelection source, List<PvSelection> destinations, String lv, boolean atomic,
                            AllocationPolicy alloc, long rateLimit, boolean verify) {
    /** Copies the destinations. */
    public PvMoveRequest {
        destinations = List.copyOf(destinations);
    }
}
