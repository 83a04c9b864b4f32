package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash-safe multi-PV operations on VG documents: commit, release, discovery of the newest copy, repair.
 *
 * <p>Invariant: every PV of a VG keeps the previous committed copy intact while the next one is written, so a
 * crash at any write leaves on every PV either the old or the new document, and the highest seqno wins.
 */
public final class VgMetadataStore {
    private static final Logger LOG = LoggerFactory.getLogger(VgMetadataStore.class);

    private VgMetadataStore() {
    }

    /**
     * Writes {@code document} as {@code seqno} of {@code vg} into the slot chosen by
     * {@link PvDisk#slotForNextCommit} on every disk, then syncs every disk. Once this returns the document is
     * authoritative.
     */
    public static void commit(Collection<PvDisk> disks, UUID vg, long seqno, byte[] document) throws IOException {
        for (PvDisk disk : disks) {
            disk.writeSlot(disk.slotForNextCommit(vg), seqno, vg, document);
        }
        for (PvDisk disk : disks) {
            disk.sync();
        }
    }

    /**
     * Removes {@code vg}'s documents from {@code disks}, leaving them blank orphans. Every slot except each disk's
     * newest copy is cleared and synced before any newest copy is cleared, so a crash never exposes an older
     * document as the newest.
     */
    public static void release(Collection<PvDisk> disks, UUID vg) throws IOException {
        Map<PvDisk, Integer> newestSlot = new LinkedHashMap<>();
        for (PvDisk disk : disks) {
            int keep = newestOf(disk, vg).map(SlotContent::index).orElse(-1);
            newestSlot.put(disk, keep);
            for (SlotContent slot : disk.slots()) {
                if (slot.index() != keep && slot.state() != SlotContent.State.EMPTY) {
                    disk.clearSlot(slot.index());
                }
            }
        }
        syncAll(disks);
        for (Map.Entry<PvDisk, Integer> e : newestSlot.entrySet()) {
            if (e.getValue() >= 0) {
                e.getKey().clearSlot(e.getValue());
            }
        }
        syncAll(disks);
    }

    /** Blanks every slot of {@code disk} that is not already empty, and syncs. */
    public static void clearAll(PvDisk disk) throws IOException {
        Optional<UUID> vg = disk.newest().map(SlotContent::vgUuid);
        if (vg.isPresent()) {
            release(List.of(disk), vg.get());
        }
        for (SlotContent slot : disk.slots()) {
            if (slot.state() != SlotContent.State.EMPTY) {
                disk.clearSlot(slot.index());
            }
        }
        disk.sync();
    }

    /**
     * For each VG seen on {@code disks}, the copy with the highest seqno; among equal seqnos with different
     * documents (possible only if a PV missed a crash recovery) the one held by more PVs wins.
     */
    public static Map<UUID, VgCopy> newestCopies(Collection<PvDisk> disks) {
        Map<UUID, VgCopy> winners = new LinkedHashMap<>();
        allCopies(disks).forEach((vg, copies) -> winners.put(vg, copies.get(0)));
        return winners;
    }

    /** For each VG seen on {@code disks}, its distinct verified copies, best first (see {@link #newestCopies}). */
    public static Map<UUID, List<VgCopy>> allCopies(Collection<PvDisk> disks) {
        Map<UUID, List<VgCopy>> candidates = new LinkedHashMap<>();
        for (PvDisk disk : disks) {
            for (SlotContent slot : disk.slots()) {
                if (slot.state() != SlotContent.State.VALID) {
                    continue;
                }
                List<VgCopy> list = candidates.computeIfAbsent(slot.vgUuid(), k -> new ArrayList<>());
                VgCopy same = list.stream().filter(c -> c.seqno() == slot.seqno()
                        && Arrays.equals(c.document(), slot.document())).findFirst().orElse(null);
                if (same == null) {
                    list.add(new VgCopy(slot.vgUuid(), slot.seqno(), slot.document(), new ArrayList<>(List.of(disk))));
                } else if (!same.holders().contains(disk)) {
                    same.holders().add(disk);
                }
            }
        }
        Map<UUID, List<VgCopy>> out = new LinkedHashMap<>();
        candidates.forEach((vg, copies) -> {
            copies.sort(Comparator.comparingLong(VgCopy::seqno).thenComparingInt(c -> c.holders().size())
                    .reversed());
            if (copies.size() > 1 && copies.get(1).seqno() == copies.get(0).seqno()) {
                LOG.warn("VG {} has different documents with seqno {}; using the one on {} PVs", vg,
                        copies.get(0).seqno(), copies.get(0).holders().size());
            }
            out.put(vg, copies.stream().map(c -> new VgCopy(vg, c.seqno(), c.document(), List.copyOf(c.holders())))
                    .toList());
        });
        return out;
    }

    /**
     * Makes {@code disk} hold {@code copy}: writes it if the disk lacks it, and over every corrupt slot. Returns
     * true if anything was written (and synced).
     */
    public static boolean repair(PvDisk disk, VgCopy copy) throws IOException {
        boolean wrote = false;
        boolean holds = disk.slots().stream().anyMatch(s -> s.holds(copy.vgUuid()) && s.seqno() == copy.seqno()
                && Arrays.equals(s.document(), copy.document()));
        if (!holds) {
            disk.writeSlot(disk.slotForNextCommit(copy.vgUuid()), copy.seqno(), copy.vgUuid(), copy.document());
            wrote = true;
        }
        for (SlotContent slot : disk.slots()) {
            if (slot.state() == SlotContent.State.CORRUPT) {
                disk.writeSlot(slot.index(), copy.seqno(), copy.vgUuid(), copy.document());
                wrote = true;
            }
        }
        if (wrote) {
            disk.sync();
        }
        return wrote;
    }

    private static Optional<SlotContent> newestOf(PvDisk disk, UUID vg) {
        return disk.slots().stream().filter(s -> s.holds(vg)).max(Comparator.comparingLong(SlotContent::seqno));
    }

    private static void syncAll(Collection<PvDisk> disks) throws IOException {
        for (PvDisk disk : disks) {
            disk.sync();
        }
    }
}
