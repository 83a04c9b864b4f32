package dev.ferry.daemon.pvmove;

import static dev.ferry.daemon.pvmove.MoveDevices.withStates;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.RequiredPvs;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The metadata commits of one pvmove job, each followed by the reload of the pvmove device; among them the commit that
 * switches copied segments to their destination (RUNNING -> COMPLETED, the next segment RUNNING), which makes the
 * destinations authoritative, so it is written and synced to the destination PVs before any other PV
 * ({@link RequiredPvs}); if a destination cannot take it (its metadata write or sync fails: the PV is lost),
 * no other PV is written, the commit's sequence number is not used again, and the segments are held on their source
 * instead: the next commit makes them HELD (the next segment stays DISABLED) and the pvmove device is reloaded as when
 * a destination fails during the copy (a flushing suspend, the destination leg offline). No PV ever holds the switch
 * without every destination holding it first. See pvmove.md, "A destination lost in the switching commit".
 */
final class MoveCommits {

    /** The committed VG, and why the switch was refused (null when the segments switched). */
    record Switch(VolumeGroup vg, String refusal) {
    }

    private final VolumeService service;
    private final String vgName;
    private final String name;
    private final Runnable check;

    /** The commits of pvmove LV {@code name} of VG {@code vgName}; {@code check} runs before each (throws to refuse). */
    MoveCommits(VolumeService service, String vgName, String name, Runnable check) {
        this.service = service;
        this.vgName = vgName;
        this.name = name;
        this.check = check;
    }

    /**
     * Commits a change of the pvmove LV and reloads its device, under a flushing suspend if {@code quiesce} (a
     * mirror kept over its region log: see {@link Activator#reloadQuiesced}); returns the committed VG.
     */
    VolumeGroup commit(UnaryOperator<LogicalVolume> change, boolean quiesce) {
        return commit(change, quiesce, check);
    }

    private VolumeGroup commit(UnaryOperator<LogicalVolume> change, boolean quiesce, Runnable before) {
        Activator act = service.activator();
        return service.change(vgName, v -> {
            before.run();
            return v.withLvChanged(name, change);
        }, committed -> {
            if (quiesce) {
                act.reloadQuiesced(committed, committed.requireLv(name));
            } else {
                act.reload(committed, committed.requireLv(name));
            }
        });
    }

    /**
     * Switches segments {@code running} to their destinations and starts {@code next}, or, if a destination cannot
     * take that commit, holds them (see above; the hold is committed even if the job is stopping meanwhile, so that no
     * PV keeps the refused switch as its newest copy).
     */
    Switch switchSegments(List<Integer> running, List<Integer> next) {
        Activator act = service.activator();
        RequiredPvs destinations = RequiredPvs.of(MoveDevices.destinations(
                service.manager().requireVolumeGroup(vgName).requireLv(name), running));
        try {
            return new Switch(service.change(vgName, v -> {
                check.run();
                return v.withLvChanged(name, l -> withStates(withStates(l, running, MoveState.COMPLETED), next,
                        MoveState.RUNNING));
            }, destinations, committed -> act.reload(committed, committed.requireLv(name))), null);
        } catch (VolumeException e) {
            if (e.code() != ErrorCode.PV_MISSED_COMMIT) {
                throw e;
            }
            return new Switch(commit(l -> withStates(l, running, MoveState.HELD), true, () -> { }), e.getMessage());
        }
    }
}
