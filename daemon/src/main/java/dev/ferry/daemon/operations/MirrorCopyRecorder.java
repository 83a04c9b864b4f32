package dev.ferry.daemon.operations;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.activation.StaleCopies;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeManager;
import dev.ferry.mapper.mirror.MirrorTarget;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits the copy state of mirrored LVs to the metadata on one thread of its own: stale marks raised by failed
 * writes (group-committed: every mark waiting when a commit starts goes into it, and each write waits for the
 * commit holding its mark), and, after a resync, good marks for the extents whose live mirror had them stale and no
 * longer has a stale region of them on that leg. Commits go through the {@link VolumeManager} directly, never through {@link VolumeService}'s
 * lock, because an operation holding that lock may be suspending the very mirror whose write waits here.
 */
public final class MirrorCopyRecorder implements StaleCopies, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorCopyRecorder.class);

    /** One stale mark waiting for its commit. */
    private record Mark(String vg, String lv, int leg, long fromLe, long toLe, CompletableFuture<Void> done) {
    }

    private final VolumeManager manager;
    private final Activator activator;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ferry-mirror-copies");
        t.setDaemon(true);
        return t;
    });
    private final List<Mark> waiting = new ArrayList<>();
    private final Set<String> healing = new LinkedHashSet<>();

    /** Records into {@code manager}'s metadata, reading live mirrors from {@code activator}. */
    public MirrorCopyRecorder(VolumeManager manager, Activator activator) {
        this.manager = manager;
        this.activator = activator;
    }

    @Override
    public CompletableFuture<Void> markStale(String vg, String lv, int leg, long fromLe, long toLe) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (waiting) {
            waiting.add(new Mark(vg, lv, leg, fromLe, toLe, done));
        }
        thread.execute(this::commitMarks);
        return done;
    }

    @Override
    public void resynced(String vg, String lv) {
        boolean first;
        synchronized (healing) {
            first = healing.add(vg + "/" + lv);
        }
        if (first) {
            thread.execute(() -> heal(vg, lv));
        }
    }

    /** Waits until every mark and heal queued before the call has been committed (or has failed). */
    public void drain() throws InterruptedException {
        try {
            thread.submit(() -> { }).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("mirror copy recorder did not drain: " + e, e);
        }
    }

    private void commitMarks() {
        List<Mark> batch;
        synchronized (waiting) {
            batch = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (String vgName : batch.stream().map(Mark::vg).distinct().toList()) {
            List<Mark> marks = batch.stream().filter(m -> m.vg().equals(vgName)).toList();
            UnaryOperator<VolumeGroup> change = vg -> {
                VolumeGroup out = vg;
                for (Mark m : marks) {
                    out = out.withLvChanged(m.lv(), l -> MirrorLayout.withStale(l, m.leg(), m.fromLe(), m.toLe(),
                            true));
                }
                return out;
            };
            try {
                manager.updateVolumeGroup(vgName, change);
                marks.forEach(m -> LOG.warn("mirrored LV {}/{}: copy on leg {} of LEs {}-{} is stale", m.vg(),
                        m.lv(), m.leg(), m.fromLe(), m.toLe() - 1));
                marks.forEach(m -> m.done().complete(null));
            } catch (RuntimeException e) {
                LOG.error("could not record stale copies of VG {}: the writes that missed them fail", vgName, e);
                marks.forEach(m -> m.done().completeExceptionally(e));
            }
        }
    }

    /**
     * Marks good the stale extents of {@code vg/lv} whose regions its live mirror has good on that leg, and knew stale
     * there at some time (at its load or since): a mark committed after the live mirror was loaded (a forced resync's,
     * whose reload has not come yet) is left for the mirror that loads it, since this one never copied that copy.
     */
    private void heal(String vgName, String lvName) {
        synchronized (healing) {
            healing.remove(vgName + "/" + lvName);
        }
        MirrorTarget mirror = activator.mirrorOf(vgName, lvName).orElse(null);
        if (mirror == null || !mirror.keepServing()) {
            return;
        }
        try {
            manager.updateVolumeGroup(vgName, vg -> {
                LogicalVolume lv = vg.lv(lvName).orElse(null);
                if (lv == null || !lv.mirrored() || lv.copies() != mirror.legCount()) {
                    return vg;
                }
                LogicalVolume healed = lv;
                for (int leg = 0; leg < lv.copies(); leg++) {
                    BitSet stale = mirror.staleRegions(leg);
                    BitSet known = mirror.staleSinceLoad(leg);
                    for (Segment s : lv.segments()) {
                        Area a = s.leg(leg);
                        if (a == null || !a.stale()) {
                            continue;
                        }
                        for (long le = s.startLe(); le < s.endLe(); le++) {
                            if (noneOf(stale, le, vg.extentSize(), mirror.regionSize())
                                    && !noneOf(known, le, vg.extentSize(), mirror.regionSize())) {
                                healed = MirrorLayout.withStale(healed, leg, le, le + 1, false);
                            }
                        }
                    }
                }
                LogicalVolume result = healed;
                return result == lv ? vg : vg.withLvChanged(lvName, l -> result);
            });
        } catch (RuntimeException e) {
            LOG.warn("could not record resynced copies of {}/{} (retried at the next resync): {}", vgName, lvName,
                    e.getMessage());
        }
    }

    /** Whether no region of LE {@code le} is among {@code regions}. */
    private static boolean noneOf(BitSet regions, long le, long extentSize, long regionSize) {
        int first = (int) (le * extentSize / regionSize);
        int last = (int) (((le + 1) * extentSize - 1) / regionSize);
        int next = regions.nextSetBit(first);
        return next < 0 || next > last;
    }

    @Override
    public void close() {
        thread.shutdown();
    }
}
