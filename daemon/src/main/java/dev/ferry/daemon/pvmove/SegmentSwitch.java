package dev.ferry.daemon.pvmove;

import static dev.ferry.daemon.pvmove.MoveDevices.withStates;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import java.util.List;

/**
 * The metadata commit that switches copied segments to their destination (RUNNING -> COMPLETED, the next segment
 * RUNNING), which must reach every destination it switches to. The VG's commit writes every present PV and goes on
 * without one whose write fails (that PV is lost), so a destination can miss the commit that makes it authoritative.
 * Then the switch is undone before any table relies on it, under the same hold of the volume service (nothing reloads
 * an LV from the switched metadata meanwhile): a second commit (the next sequence number, on the PVs still present)
 * makes the segments HELD on their source and the next segment DISABLED again, and the pvmove device is reloaded as
 * when a destination fails during the copy (a flushing suspend, the destination leg offline).
 */
final class SegmentSwitch {

    /** The committed VG, and the destination PV the switch could not reach (null when the segments switched). */
    record Result(VolumeGroup vg, String missedDestination) {
    }

    private SegmentSwitch() {
    }

    /**
     * Switches segments {@code running} of pvmove LV {@code name} to their destinations and starts {@code next};
     * {@code check} runs before the change (it throws to refuse it).
     */
    static Result commit(VolumeService service, MoveDevices devices, String vgName, String name,
            List<Integer> running, List<Integer> next, Runnable check) {
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
        return missed[0] == null ? new Result(switched, null) : new Result(undone[0], missed[0]);
    }
}
