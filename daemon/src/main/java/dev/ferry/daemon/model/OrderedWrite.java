package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.PvDisk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;

/**
 * How one VG commit reaches its PVs: the {@link RequiredPvs} written and synced first, one after the other, and
 * the commit stopped if one of them fails; then every other PV written, then synced, a failing one lost and left
 * behind; and the quorum of copies the commit needs.
 */
final class OrderedWrite {
    private OrderedWrite() {
    }

    /**
     * Writes {@code doc} (the document of {@code next}) to {@code first}, then to the rest of {@code targets}; returns
     * the PVs that took it. {@code lose} hears of each PV whose write or sync failed.
     *
     * @throws VolumeException PV_MISSED_COMMIT if a PV of {@code first} failed: nothing was written after it
     */
    static List<UUID> write(VolumeGroup next, byte[] doc, List<PvDisk> first, List<PvDisk> targets,
            BiConsumer<PvDisk, String> lose) {
        List<UUID> written = new ArrayList<>();
        for (PvDisk d : first) {
            try {
                d.writeSlot(d.slotForNextCommit(next.uuid()), next.seqno(), next.uuid(), doc);
            } catch (IOException e) {
                throw missed(d, next, "its metadata write failed: " + e.getMessage(), lose);
            }
            try {
                d.sync();
            } catch (IOException e) {
                throw missed(d, next, "its metadata sync failed: " + e.getMessage(), lose);
            }
            written.add(d.uuid());
        }
        List<PvDisk> rest = new ArrayList<>();
        for (PvDisk d : targets) {
            if (first.contains(d)) {
                continue;
            }
            try {
                d.writeSlot(d.slotForNextCommit(next.uuid()), next.seqno(), next.uuid(), doc);
                rest.add(d);
            } catch (IOException e) {
                lose.accept(d, "metadata write failed: " + e.getMessage());
            }
        }
        for (PvDisk d : rest) {
            try {
                d.sync();
                written.add(d.uuid());
            } catch (IOException e) {
                lose.accept(d, "metadata sync failed: " + e.getMessage());
            }
        }
        return written;
    }

    /**
     * The disks of {@code required} among {@code targets} (the present PVs not lost), in its order.
     *
     * @throws VolumeException PV_MISSED_COMMIT if one of them is flagged missing, lost or absent (nothing written)
     */
    static List<PvDisk> requiredDisks(VolumeGroup next, RequiredPvs required, List<PvDisk> targets, Set<UUID> lost) {
        List<PvDisk> out = new ArrayList<>();
        for (UUID u : required.pvs()) {
            PhysicalVolume pv = next.pv(u).orElseThrow(() -> new IllegalArgumentException("PV " + u
                    + " required by the commit of VG " + next.name() + " is not one of its PVs"));
            PvDisk disk = targets.stream().filter(d -> d.uuid().equals(u)).findFirst().orElse(null);
            String why = pv.missing() ? "is flagged missing" : lost.contains(u) ? "is lost (a metadata write or sync "
                    + "to it failed)" : disk == null ? "is not present" : null;
            if (why != null) {
                throw new VolumeException(ErrorCode.PV_MISSED_COMMIT, "PV " + pv.name() + " " + why + ": the commit "
                        + "of VG " + next.name() + " seqno " + next.seqno() + " must reach it before the other PVs; "
                        + "nothing was written");
            }
            out.add(disk);
        }
        return out;
    }

    /** Loses required PV {@code d}, which could not take {@code next} ({@code why}); returns the refusal to throw. */
    private static VolumeException missed(PvDisk d, VolumeGroup next, String why, BiConsumer<PvDisk, String> lose) {
        lose.accept(d, "metadata of VG " + next.name() + " seqno " + next.seqno() + ": " + why);
        return new VolumeException(ErrorCode.PV_MISSED_COMMIT, "PV " + d.name() + " did not take the commit of VG "
                + next.name() + " seqno " + next.seqno() + ", which must reach it before the other PVs: " + why
                + "; the PVs not required first were not written, the PV is lost, and seqno " + next.seqno()
                + " is not used again");
    }

    /**
     * Throws FORCEOFF unless {@code copies} hold more than half of {@code vg}'s metadata copies. Each PV holds one,
     * except that in a VG of two PVs the first holds two, as AIX places VGDAs: such a VG survives losing its second
     * PV but not its first.
     */
    static void requireQuorum(VolumeGroup vg, Collection<UUID> copies) {
        int total = 0;
        int held = 0;
        for (int i = 0; i < vg.pvs().size(); i++) {
            int weight = vg.pvs().size() == 2 && i == 0 ? 2 : 1;
            total += weight;
            if (copies.contains(vg.pvs().get(i).uuid())) {
                held += weight;
            }
        }
        if (held * 2 <= total) {
            throw new VolumeException(ErrorCode.FORCEOFF, "Quorum lost for VG " + vg.name() + ": only " + held
                    + " of its " + total + " metadata copies (" + vg.pvs().size() + " PVs) can be written; more "
                    + "than half are needed");
        }
    }
}
