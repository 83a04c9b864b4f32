package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.jobs.CopyMeter;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds a {@link MoveProgress} from a job's last known layout and its live mirrors: a RUNNING segment counts its
 * regions in sync, but none while a leg is not alive (never 100% over a dead leg); a HELD segment counts the regions
 * its region log still has in sync (copied, not written since); once the move is ending short (aborting, aborted,
 * failed) each segment counts what the job noted it had copied then. Each live reading of a running segment is also
 * noted in the job, which keeps the most seen per segment, and which a running segment whose mirror cannot be read
 * (its device between tables) reports instead.
 */
final class Progress {
    private Progress() {
    }

    static String sourceOf(PvMoveJob job) {
        VolumeGroup vg = job.lastVg();
        return vg.pv(job.layout().move().source()).map(p -> p.name()).orElse(job.layout().move().source().toString());
    }

    static MoveProgress of(PvMoveJob job) {
        JobState state = job.state();   // before the layout: the job changes the layout before its state
        VolumeGroup vg = job.lastVg();
        LogicalVolume lv = job.layout();
        long extent = vg.extentSize();
        List<MoveProgress.SegmentProgress> segs = new ArrayList<>();
        Set<String> dests = new LinkedHashSet<>();
        long total = 0;
        long copied = 0;
        for (int i = 0; i < lv.segments().size(); i++) {
            Segment s = lv.segments().get(i);
            long bytes = s.extentCount() * extent;
            double fraction = fraction(job, state, s, i);
            total += bytes;
            copied += (long) (bytes * fraction);
            dests.add(pvName(vg, s.areas().get(1)));
            segs.add(new MoveProgress.SegmentProgress(i, s.extentCount(), place(vg, s.areas().get(0)),
                    place(vg, s.areas().get(1)), s.moveState().name(), 100 * fraction, lv.move().verify()
                    && (s.moveState() == MoveState.COMPLETED || job.verifier().verified(i))));
        }
        if (state == JobState.COMPLETED) {
            copied = total;
        }
        double rate = state.terminal() ? 0 : job.meter().mibPerSecond(copied);
        Long eta = state.terminal() ? null : CopyMeter.eta(total - copied, rate);
        List<String> lvs = job.movedLvs();
        double percent = total == 0 ? 100 : 100.0 * copied / total;
        return new MoveProgress(job.id(), lv.name(), vg.name(), sourceOf(job), List.copyOf(dests), lvs,
                lv.move().atomic(), lv.move().verify(), state, percent, total, copied, lv.move().rateLimit(),
                rate, eta, job.elapsedSeconds(), job.errorCode(), job.errorMessage(), job.verifier().mismatch(),
                job.copies().transferredBytes(), segs);
    }

    private static double fraction(PvMoveJob job, JobState state, Segment s, int i) {
        if (s.moveState() == MoveState.COMPLETED) {
            return 1;
        }
        double atEnd = job.copies().atEnd(i);
        if (!Double.isNaN(atEnd)) {
            return atEnd;
        }
        if (s.moveState() == MoveState.DISABLED || state.terminal()) {
            return 0;
        }
        try {
            if (s.moveState() == MoveState.HELD) {
                return job.recovery(i).inSyncFraction();
            }
            double fraction = job.recovery(i).syncedFraction();
            job.copies().sawCopied(i, fraction);
            return fraction;
        } catch (RuntimeException e) {
            // No live mirror to read: the device is between tables (a commit switching the segment reloads it before
            // the job's layout says so). What was seen copied stands, so progress never goes backwards meanwhile.
            return job.copies().seenCopied(i);
        }
    }

    private static String pvName(VolumeGroup vg, Area a) {
        return vg.pv(a.pv()).map(p -> p.name()).orElse(a.pv().toString());
    }

    private static String place(VolumeGroup vg, Area a) {
        return pvName(vg, a) + ":" + a.startPe();
    }
}
