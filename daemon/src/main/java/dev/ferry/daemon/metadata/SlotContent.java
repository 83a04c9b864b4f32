package dev.ferry.daemon.metadata;

import java.util.UUID;

/** What one metadata slot holds after reading it: nothing, damage, or a verified VG document. */
public record SlotContent(int index, State state, long seqno, UUID vgUuid, byte[] document, String defect) {

    /** Classification of a slot. */
    public enum State {
        /** All-zero header: never written or cleared. */
        EMPTY,
        /** Header or document fails verification (torn write, bit rot). */
        CORRUPT,
        /** Header and document verified. */
        VALID
    }

    static SlotContent empty(int index) {
        return new SlotContent(index, State.EMPTY, -1, null, null, null);
    }

    static SlotContent corrupt(int index, String defect) {
        return new SlotContent(index, State.CORRUPT, -1, null, null, defect);
    }

    static SlotContent valid(int index, long seqno, UUID vgUuid, byte[] document) {
        return new SlotContent(index, State.VALID, seqno, vgUuid, document, null);
    }

    /** True if this slot holds a verified document of {@code vg}. */
    public boolean holds(UUID vg) {
        return state == State.VALID && vg.equals(vgUuid);
    }
}
