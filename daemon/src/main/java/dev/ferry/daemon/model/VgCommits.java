package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.PvDisk;
import java.util.function.Supplier;

/**
 * How a {@link VolumeManager} commits a VG: a change is checked (same UUID, no name taken), numbered with the next
 * seqno and validated, the extents its new region logs gained are zeroed, and it is written to every PV while reports
 * answer from the state taken just before. No lock of its own: the manager's synchronized methods call it holding the
 * manager's monitor.
 */
final class VgCommits {
    private final MetadataCatalog catalog;
    private final Supplier<VolumeSnapshot> snapshot;
    /**
     * While a commit writes metadata (holding the lock, possibly for a remote PV's deadlines): the state taken just
     * before it, which reports answer from; null otherwise.
     */
    private volatile VolumeSnapshot beforeCommit;

    /** Commits through {@code catalog}; {@code snapshot} takes the state reports answer from during a commit. */
    VgCommits(MetadataCatalog catalog, Supplier<VolumeSnapshot> snapshot) {
        this.catalog = catalog;
        this.snapshot = snapshot;
    }

    /** The state taken just before the commit that is writing metadata now, or null if none is. */
    VolumeSnapshot beforeCommit() {
        return beforeCommit;
    }

    /** Commits {@code proposed}, a change of {@code before}, writing the PVs of {@code required} first. */
    VolumeGroup change(VolumeGroup before, VolumeGroup proposed, RequiredPvs required) {
        if (!proposed.uuid().equals(before.uuid())) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "A change may not replace VG " + before.name()
                    + "'s UUID");
        }
        if (!proposed.name().equals(before.name()) && catalog.vgs().containsKey(proposed.name())) {
            throw new VolumeException(ErrorCode.VG_EXISTS, "A volume group called " + proposed.name()
                    + " already exists.");
        }
        VolumeGroup next = proposed.withSeqno(catalog.nextSeqno(before));
        VgValidator.validate(next);
        zeroNewLogExtents(before, next);
        return committed(() -> catalog.commit(before, next, required));
    }

    /** Commits new VG {@code vg}, validated and numbered by the caller. */
    VolumeGroup create(VolumeGroup vg) {
        return committed(() -> catalog.commit(null, vg, RequiredPvs.NONE));
    }

    /**
     * Runs a commit (under the lock) with reports answering meanwhile from the state just before it, which holds every
     * change committed so far (a command that returned is seen by the reports that follow it).
     */
    private VolumeGroup committed(Supplier<VolumeGroup> commit) {
        beforeCommit = snapshot.get();
        try {
            return commit.get();
        } finally {
            beforeCommit = null;
        }
    }

    /**
     * Zeroes the extents that mirror region logs of {@code next} gained over {@code before} (new logs, grown ones)
     * before the commit that names them: freed extents may still hold an old log, whose in-sync bits a new mirror
     * must never trust.
     */
    private void zeroNewLogExtents(VolumeGroup before, VolumeGroup next) {
        for (LogicalVolume log : next.lvs()) {
            if (!log.has(LvFlag.MIRROR_LOG)) {
                continue;
            }
            LogicalVolume old = before.lvs().stream().filter(l -> l.uuid().equals(log.uuid())).findFirst()
                    .orElse(null);
            long keep = old == null ? 0 : old.extentCount();
            for (Segment s : log.segments()) {
                if (s.endLe() <= keep) {
                    continue;
                }
                long from = Math.max(keep, s.startLe());
                for (Area a : s.areas()) {   // every copy of a mirrored log
                    PhysicalVolume pv = next.pv(a.pv()).orElseThrow();
                    long offset = pv.peStart() + (a.startPe() + from - s.startLe()) * next.extentSize();
                    long length = (s.endLe() - from) * next.extentSize();
                    PvDisk disk = catalog.diskByUuid(pv.uuid()).orElseThrow(() -> new VolumeException(
                            ErrorCode.IO_ERROR, "PV " + pv.name() + " of the new mirror log " + log.name()
                            + " is not present"));
                    catalog.guard("zero the new mirror log " + log.name() + " on " + pv.name(),
                            () -> disk.zeroData(offset, length));
                }
            }
        }
    }
}
