package dev.ferry.daemon.pvmove;

import static dev.ferry.daemon.pvmove.MoveDevices.withStates;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The metadata commits of one pvmove job, each followed by the reload of the pvmove device; among them the commit that
 * switches copied segments to their destination (RUNNING -> COMPLETED, the next segment RUNNING), which must reach
 * every destination it switches to. The VG's commit writes every present PV and goes on without one whose write fails
 * (that PV is lost), so a destination can miss the commit that makes it authoritative. Then the switch is undone
 * before any table relies on it, under the same hold of the volume service (nothing reloads an LV from the switched
 * metadata meanwhile): a second commit (the next sequence number, on the PVs still present) makes the segments HELD on
 * their source and the next segment DISABLED again, and the pvmove device is reloaded as when a destination fails
 * during the copy (a flushing suspend, the destination leg offline).
 */
final class MoveCommits {

    /** The committed VG, and the destination PV a switch could not reach (null when the segments switched). */
    record Switch(VolumeGroup vg, String missedDestination) {
    }

    private final VolumeService service;
    private final MoveDevices devices;
    private final String vgName;
    private final String name;
    private final Runnable check;

    /** The commits of pvmove LV {@code name} of VG {@code vgName}; {@code check} runs before each (throws to refuse). */
    MoveCommits(VolumeService service, MoveDevices devices, String vgName, String name, Runnable check) {
        this.service = service;
        this.devices = devices;
        this.vgName = vgName;
        this.name = name;
        this.check = check;
    }

    /**
     * Commits a change of the pvmove LV and reloads its device, under a flushing suspend if {@code quiesce} (a
     * mirror kept over its region log: see {@link Activator#reloadQuiesced}); returns the committed VG.
     */
    VolumeGroup commit(UnaryOperator<LogicalVolume> change, boolean quiesce) {
        Activator act = service.activator();
        return service.change(vgName, v -> {
            check.run();
            return v.withLvChanged(name, change);
        }, committed -> {
            if (quiesce) {
                act.reloadQuiesced(committed, committed.requireLv(name));
            } else {
                act.reload(committed, committed.requireLv(name));
            }
        });
    }

    /** Switches segments {@code running} to their destinations and starts {@code next}, or holds them (see above). */
    Switch switchSegments(List<Integer> running, List<Integer> next) {
        Activator act = service.activator();
        String[] missed = new String[1];
        VolumeGroup[] undone = new VolumeGroup[1];
        VolumeGroup switched = service.change(vgName, v -> {
            check.run();
            return v.withLvChanged(name, l -> withStates(withStates(l, running, MoveState.COMPLETED), next,
                    MoveState.RUNNING));
        }, committed -> {
            missed[0] = devices.missingDestination(committed, running);
            if (missed[0] == null) {
                act.reload(committed, committed.requireLv(name));
                return;
            }
            undone[0] = service.manager().updateVolumeGroup(vgName, v -> v.withLvChanged(name,
                    l -> withStates(withStates(l, running, MoveState.HELD), next, MoveState.DISABLED)));
            act.reloadQuiesced(undone[0], undone[0].requireLv(name));
        });
        return missed[0] == null ? new Switch(switched, null) : new Switch(undone[0], missed[0]);
    }
}
