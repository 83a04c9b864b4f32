package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.MetadataDevice;
import dev.ferry.daemon.metadata.MetadataFormatException;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.SlotContent;
import dev.ferry.daemon.metadata.VgCopy;
import dev.ferry.daemon.metadata.VgMetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory view of a data directory's PVs and VGs, kept equal to what is committed on disk: it scans known
 * PVs, recovers each VG's newest document, repairs stale copies and commits changes crash-safely.
 */
final class MetadataCatalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataCatalog.class);
    private final KnownPvs known;
    private final DeviceOpener opener;
    private final Map<String, PvDisk> disks = new LinkedHashMap<>();
    private final Set<UUID> lost = new HashSet<>();
    /** How many missing PVs {@link #restore} has put back into use. */
    private long restores;
    /** Per VG, the highest seqno this catalog wrote (or found possibly written) to any PV: never written again. */
    private final Map<UUID, Long> used = new HashMap<>();
    private final Map<String, String> refused = new LinkedHashMap<>();
    private final Map<String, VolumeGroup> vgs = new TreeMap<>();
    private final List<String> recoveryLog = new ArrayList<>();
    private volatile CommitListener commitListener = CommitListener.NONE;

    MetadataCatalog(KnownPvs known, DeviceOpener opener) {
        this.known = known;
        this.opener = opener;
    }

    /** Opens every known PV, recovers VGs and repairs copies; a failed repair fails the scan. */
    void scan() throws IOException {
        scan(false);
    }

    /**
     * Opens every known PV, recovers VGs and repairs copies. With {@code tolerateFailedRepairs} (a re-read after
     * a failed write in a running daemon) a stale copy that cannot be rewritten is left as it is and noted: the VG
     * stays listed from its newest valid copy rather than vanishing until a restart.
     */
    private void scan(boolean tolerateFailedRepairs) throws IOException {
        closeDisks();
        vgs.clear();
        refused.clear();
        for (String path : known.paths()) {
            if (PvUri.isUri(path)) {
                openRemote(path);
                continue;
            }
            Path p = Paths.get(path);
            if (!Files.exists(p)) {
                LOG.warn("Known PV {} is missing", path);
                continue;
            }
            MetadataDevice device;
            try {
                device = opener.open(p);
            } catch (IOException e) {
                LOG.error("Cannot open known PV {}: {}", path, e.toString());
                continue;
            }
            try {
                Optional<PvDisk> disk = PvDisk.read(p, device);
                if (disk.isPresent()) {
                    disks.put(path, disk.get());
                    continue;
                }
                LOG.warn("Known PV {} carries no label; forgetting it", path);
                known.remove(path);
            } catch (MetadataFormatException e) {
                LOG.error("PV {} has a damaged label: {}", path, e.getMessage());
            } catch (IOException e) {
                LOG.error("Cannot read PV {}: {}", path, e.toString());
            }
            device.close();
        }
        recover(tolerateFailedRepairs);
    }

    /**
     * Opens the remote PV at {@code uri} and reads its label, or records why it is refused: unreachable, no Ferry
     * label (never forgotten for that: the export may be the wrong one for a while), a damaged label, or an export
     * smaller than the size its label records (shrunk).
     */
    private void openRemote(String uri) throws IOException {
        MetadataDevice device;
        try {
            device = opener.openRemote(uri);
        } catch (IOException e) {
            refuse(uri, e.getMessage());
            return;
        }
        try {
            Optional<PvDisk> disk = PvDisk.readRemote(uri, device);
            if (disk.isEmpty()) {
                refuse(uri, "the export carries no Ferry PV label (identity changed: another disk is exported there)");
            } else if (device.size() < disk.get().label().deviceSize()) {
                refuse(uri, "the export shrank: it has " + device.size() + " bytes, the PV label records "
                        + disk.get().label().deviceSize());
            } else {
                disks.put(uri, disk.get());
                return;
            }
        } catch (IOException e) {
            refuse(uri, "cannot read its label: " + e.getMessage());
        }
        device.close();
    }

    /** Records why remote PV {@code pv} cannot be used (its health in reports) until the next scan or restore. */
    void refuse(String pv, String why) {
        LOG.error("Remote PV {} refused: {}", pv, why);
        refused.put(pv, why);
    }

    /** Why each remote PV that could not be used at the last scan was refused (URI to reason). */
    Map<String, String> refused() {
        return Map.copyOf(refused);
    }

    private void recover(boolean tolerateFailedRepairs) throws IOException {
        Set<UUID> members = new LinkedHashSet<>();
        for (List<VgCopy> copies : VgMetadataStore.allCopies(disks.values()).values()) {
            Optional<VolumeGroup> loaded = load(copies);
            if (loaded.isEmpty()) {
                continue;
            }
            VolumeGroup vg = loaded.get();
            List<PhysicalVolume> pvs = new ArrayList<>();
            for (PhysicalVolume pv : vg.pvs()) {
                pvs.add(diskByUuid(pv.uuid()).map(d -> pv.withName(d.name())).orElse(pv));
                members.add(pv.uuid());
                PvDisk other = disks.get(pv.name());
                if (PvUri.isUri(pv.name()) && other != null && !other.uuid().equals(pv.uuid())
                        && diskByUuid(pv.uuid()).isEmpty()) {   // found elsewhere, it was renamed: not refused
                    refuse(pv.name(), "identity changed: the export carries PV " + other.uuid() + " where VG "
                            + vg.name() + " expects PV " + pv.uuid());
                }
            }
            vg = vg.withPvs(pvs);
            List<PvDisk> present = disksOf(pvs.stream().map(PhysicalVolume::uuid).toList());
            long newest = copies.get(0).seqno();
            List<UUID> here = present.stream().map(PvDisk::uuid).toList();
            if (pvs.stream().anyMatch(pv -> !pv.missing() && !here.contains(pv.uuid()))) {
                used.merge(vg.uuid(), newest + 1, Math::max);   // an absent PV may hold newest+1 (see pvmove.md)
            }
            if (vg.seqno() != newest) {
                vg = vg.withSeqno(seqnoAfter(vg.uuid(), newest));
                used.merge(vg.uuid(), vg.seqno(), Math::max);
                VgMetadataStore.commit(present, vg.uuid(), vg.seqno(), VgDocumentCodec.encode(vg));
                note("VG " + vg.name() + ": newest document (seqno " + newest + ") is invalid; recommitted the "
                        + "newest valid one as seqno " + vg.seqno());
            } else {
                VgCopy copy = copies.get(0);
                for (PvDisk disk : present) {
                    try {
                        if (VgMetadataStore.repair(disk, copy)) {
                            note("repaired metadata of VG " + vg.name() + " seqno " + vg.seqno() + " on "
                                    + disk.name());
                        }
                    } catch (IOException e) {
                        if (!tolerateFailedRepairs) {
                            throw e;
                        }
                        note("could not repair metadata of VG " + vg.name() + " on " + disk.name() + " (" + e
                                + "); its copy stays stale until a write to it succeeds");
                    }
                }
            }
            vgs.put(vg.name(), vg);
        }
        for (PvDisk disk : disks.values()) {
            if (!members.contains(disk.uuid())
                    && disk.slots().stream().anyMatch(s -> s.state() != SlotContent.State.EMPTY)) {
                VgMetadataStore.clearAll(disk);
                note("cleared stale metadata of orphan PV " + disk.name());
            }
        }
    }

    /** The newest copy that decodes and validates, skipping (and logging) invalid ones. */
    private Optional<VolumeGroup> load(List<VgCopy> copies) {
        for (VgCopy copy : copies) {
            try {
                VolumeGroup vg = VgDocumentCodec.decode(copy.document());
                VgValidator.validate(vg);
                if (vg.seqno() != copy.seqno() || !vg.uuid().equals(copy.vgUuid())) {
                    throw new VolumeException(ErrorCode.METADATA_INVALID, "document seqno/uuid " + vg.seqno() + "/"
                            + vg.uuid() + " differ from its slot header " + copy.seqno() + "/" + copy.vgUuid());
                }
                if (vgs.containsKey(vg.name())) {
                    LOG.error("Ignoring VG {} ({}): another VG has that name", vg.name(), vg.uuid());
                    return Optional.empty();
                }
                return Optional.of(vg);
            } catch (VolumeException e) {
                LOG.error("Ignoring copy seqno {} of VG {}: {}", copy.seqno(), copy.vgUuid(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    private void note(String what) {
        LOG.info("Recovery: {}", what);
        recoveryLog.add(what);
    }

    /**
     * Commits {@code next} (its seqno from {@link #nextSeqno}) to every present PV of {@code before} and {@code next}
     * that is not lost, as long as a quorum (more than half) of {@code next}'s PVs take it (AIX's rule for VGDAs).
     * The PVs of {@code required} are written and synced first, one after the other, and the other PVs only once all
     * of them took it; another PV whose write or sync fails is lost from then on and the commit goes on without it.
     * Once a PV was written, the seqno is used: a commit that fails after that does not free it for the next one.
     *
     * @throws VolumeException PV_MISSED_COMMIT if a required PV cannot take it (the PVs not required were not
     *     written; a required PV whose write or sync failed is lost); FORCEOFF if no quorum of copies can be (or
     *     was) written: nothing is relied on
     */
    VolumeGroup commit(VolumeGroup before, VolumeGroup next, RequiredPvs required) {
        long start = System.nanoTime();
        String outcome = CommitListener.OK;
        try {
            return write(before, next, required);
        } catch (VolumeException e) {
            outcome = e.code().name().toLowerCase(Locale.ROOT);
            throw e;
        } catch (RuntimeException e) {
            outcome = "error";
            throw e;
        } finally {
            commitListener.committed(next.name(), outcome, System.nanoTime() - start);
        }
    }

    /** Who hears of each commit from now on. */
    void commitListener(CommitListener listener) {
        commitListener = listener;
    }

    /**
     * The seqno the next commit of {@code vg} takes: one past its own and past any this catalog used for it (a
     * failed commit's, or one a PV absent at the scan may hold).
     */
    long nextSeqno(VolumeGroup vg) {
        return seqnoAfter(vg.uuid(), vg.seqno());
    }

    private long seqnoAfter(UUID vg, long seqno) {
        return Math.max(seqno, used.getOrDefault(vg, 0L)) + 1;
    }

    private VolumeGroup write(VolumeGroup before, VolumeGroup next, RequiredPvs required) {
        byte[] doc = VgDocumentCodec.encode(next);
        Set<UUID> targets = new LinkedHashSet<>();
        if (before != null) {
            before.pvs().forEach(pv -> targets.add(pv.uuid()));
        }
        next.pvs().forEach(pv -> targets.add(pv.uuid()));
        List<PvDisk> targetDisks = disksOf(targets);
        for (PvDisk d : targetDisks) {
            if (doc.length > d.capacity()) {
                throw new VolumeException(ErrorCode.METADATA_TOO_LARGE, "VG " + next.name() + " metadata of "
                        + doc.length + " bytes exceeds the slot capacity " + d.capacity() + " of " + d.name());
            }
        }
        if (targetDisks.isEmpty()) {
            throw new VolumeException(ErrorCode.IO_ERROR, "No PV of VG " + next.name() + " is present");
        }
        OrderedWrite.requireQuorum(next, targetDisks.stream().map(PvDisk::uuid).toList());
        List<PvDisk> first = OrderedWrite.requiredDisks(next, required, targetDisks, lost);
        used.merge(next.uuid(), next.seqno(), Math::max);
        OrderedWrite.requireQuorum(next, OrderedWrite.write(next, doc, first, targetDisks, this::lose));
        if (before != null) {
            vgs.remove(before.name());
        }
        vgs.put(next.name(), next);
        return next;
    }

    /** Stops writing metadata to {@code disk}: its PV is lost (unlinked, replaced, vanished or failing). */
    void lose(PvDisk disk, String why) {
        if (lost.add(disk.uuid())) {
            LOG.error("PV {} ({}) is lost: {}", disk.name(), disk.uuid(), why);
        }
    }

    /**
     * Puts {@code disk}, a missing PV opened afresh and checked ({@link ReturningPv}), in place of whatever was open
     * for its PV (closed), and clears its lost mark and what the last scan refused it for: metadata goes to it again
     * from the next commit on.
     *
     * @throws VolumeException IO_ERROR if the PV cannot be added to the known PVs (then {@code disk} is closed and
     *                         nothing changed)
     */
    void restore(PvDisk disk) {
        try {
            known.add(disk.name());
        } catch (IOException e) {
            try {
                disk.close();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw new VolumeException(ErrorCode.IO_ERROR, "Cannot record PV " + disk.name() + " as known: "
                    + e.getMessage(), e);
        }
        List<PvDisk> replaced = new ArrayList<>();
        diskByUuid(disk.uuid()).ifPresent(old -> replaced.add(disks.remove(old.name())));
        Optional.ofNullable(disks.put(disk.name(), disk)).ifPresent(replaced::add);   // another PV's label was there
        for (PvDisk old : replaced) {
            try {
                old.close();
            } catch (IOException e) {
                LOG.warn("Closing the old device of returning PV {}: {}", old.name(), e.toString());
            }
        }
        lost.remove(disk.uuid());
        refused.remove(disk.name());
        restores++;
        LOG.info("PV {} ({}) is back in use", disk.name(), disk.uuid());
    }

    /** How many missing PVs were put back into use ({@link #restore}) while this catalog ran. */
    long restores() {
        return restores;
    }

    /** Whether the PV was lost while this catalog ran. */
    boolean isLost(UUID pv) {
        return lost.contains(pv);
    }

    /** Removes {@code vg}'s metadata from the PVs in {@code pvs} (making them orphans). */
    void release(VolumeGroup vg, Collection<UUID> pvs) {
        guard("release PVs of VG " + vg.name(), () -> VgMetadataStore.release(disksOf(pvs), vg.uuid()));
    }

    /** Forgets {@code vg} after its metadata was released from all PVs. */
    void forget(VolumeGroup vg) {
        vgs.remove(vg.name());
    }

    /** Runs a metadata write; on I/O failure re-reads all metadata from disk and throws IO_ERROR. */
    void guard(String what, IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            LOG.error("Failed to {}: {}; re-reading metadata", what, e.toString());
            try {
                scan(true);
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw new VolumeException(ErrorCode.IO_ERROR, "Failed to " + what + ": " + e.getMessage(), e);
        }
    }

    /** An I/O step. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    /** The open, not lost disks of {@code pvs}. */
    List<PvDisk> disksOf(Collection<UUID> pvs) {
        List<PvDisk> out = new ArrayList<>();
        for (UUID u : pvs) {
            if (!lost.contains(u)) {
                diskByUuid(u).ifPresent(out::add);
            }
        }
        return out;
    }

    Optional<PvDisk> diskByUuid(UUID uuid) {
        return disks.values().stream().filter(d -> d.uuid().equals(uuid)).findFirst();
    }

    Optional<PvDisk> disk(String path) {
        return Optional.ofNullable(disks.get(path));
    }

    void addDisk(PvDisk disk) throws IOException {
        PvDisk old = disks.put(disk.name(), disk);
        if (old != null && old != disk) {
            old.close();
        }
    }

    void removeDisk(String path) throws IOException {
        PvDisk old = disks.remove(path);
        if (old != null) {
            old.close();
        }
    }

    Optional<VolumeGroup> vgOf(UUID pv) {
        return vgs.values().stream().filter(vg -> vg.pv(pv).isPresent()).findFirst();
    }

    Map<String, VolumeGroup> vgs() {
        return vgs;
    }

    Collection<PvDisk> disks() {
        return disks.values();
    }

    KnownPvs known() {
        return known;
    }

    List<String> recoveryLog() {
        return List.copyOf(recoveryLog);
    }

    private void closeDisks() throws IOException {
        for (PvDisk d : disks.values()) {
            d.close();
        }
        disks.clear();
    }

    @Override
    public void close() throws IOException {
        closeDisks();
    }
}
