package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.activation.RegionLogSlices;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.DeviceMapper;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.mirror.DiskRegionLog;
import dev.ferry.mapper.mirror.SyncMode;
import dev.ferry.mapper.testing.Seeds;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Abort at random points, restart in the middle, a failing destination, and concurrent moves. */
class PvMoveRecoveryTest extends PvMoveFixtureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long MIB = PvMoveFixture.MIB;

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void abortAtARandomPointKeepsTheDataOnTheSourcePlusCompletedSegments(boolean atomic) throws Exception {
        long seed = Seeds.fresh();
        Random r = new Random(seed);
        String why = "seed " + seed;
        f = new PvMoveFixture(root);
        f.linear("a", "8M", f.pv1);
        f.linear("b", "8M", f.pv1);
        LvWorkload wa = new LvWorkload(() -> f.device("a"), r.nextLong()).start();
        LvWorkload wb = new LvWorkload(() -> f.device("b"), r.nextLong()).start();
        MoveProgress p = f.moves.start(PvMoveFixture.request(atomic, 8 * MIB, f.pv1, f.pv3));
        long at = (long) (p.totalBytes() * (0.05 + 0.9 * r.nextDouble()));
        Poll.until(WAIT, "copy up to " + at + " bytes (" + why + ")",
                () -> f.moves.moves().get(0).copiedBytes() >= at || f.moves.moves().get(0).state().terminal());
        List<MoveProgress> aborted = f.moves.abort(null, WAIT);
        wa.stop();
        wb.stop();
        MoveProgress end = aborted.get(0);
        assertTrue(end.state() == JobState.ABORTED || end.state() == JobState.COMPLETED, why + ": " + end.state());
        if (end.state() == JobState.ABORTED) {
            for (int i = 0; i < 2; i++) {
                boolean kept = !atomic && end.segments().get(i).state().equals("COMPLETED");
                assertEquals(Set.of(kept ? f.pv3 : f.pv1), f.placement(i == 0 ? "a" : "b"), why + " segment " + i);
            }
        }
        assertTrue(f.noMoveLeft(), why);
        wa.verify(why + ": after the abort");
        wb.verify(why + ": after the abort");
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void aRestartInTheMiddleResumesFromThePersistedRegionLog(boolean atomic) throws Exception {
        f = new PvMoveFixture(root);
        f.linear("a", "24M", f.pv1);
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 51).start();
        MoveProgress p = f.moves.start(PvMoveFixture.request(atomic, 3 * MIB, f.pv1, f.pv2));
        Poll.until(WAIT, "the copy under way", () -> f.moves.moves().get(0).copiedBytes() > 0);
        // writes raced the start of the copy; later ones would leave the regions they hit dirty (recopied anyway)
        wa.stop();
        Poll.until(WAIT, "a quarter copied", () -> f.moves.moves().get(0).copiedBytes() >= p.totalBytes() / 4);
        f.moves.setRate(f.pv1, 64 * 1024);   // the move cannot end before the stop below, however slow the machine
        VolumeGroup vg = f.vg();
        LogicalVolume pvmove = vg.lv(p.name()).orElseThrow();
        f.close();

        int inSync = persistedRegionsInSync(vg, pvmove, 0);
        int regions = RegionLogSlices.regions(vg.extentSize(), pvmove.segments().get(0));
        assertTrue(inSync > 0 && inSync < regions, inSync + " of " + regions + " regions persisted in sync");

        f.open();
        f.moves.setRate(f.pv1, 0);
        PvMoveJob resumed = f.moves.job(p.name());
        assertEquals(JobState.COMPLETED, resumed.done().get(60, TimeUnit.SECONDS));
        assertEquals(Set.of(f.pv2), f.placement("a"));
        assertTrue(f.noMoveLeft());
        wa.verify("after the resumed move");
    }

    /** Regions the disk log of segment {@code index} records as in sync, read from the log LV's PV file. */
    private static int persistedRegionsInSync(VolumeGroup vg, LogicalVolume pvmove, int index) throws Exception {
        LogicalVolume log = vg.lv(pvmove.move().logLv()).orElseThrow();
        Area a = log.segments().get(0).areas().get(0);
        PhysicalVolume pv = vg.pv(a.pv()).orElseThrow();
        long slice = RegionLogSlices.sliceBytes(vg.extentSize(), pvmove);
        ByteBuffer image = ByteBuffer.allocate((int) slice);
        try (FileChannel ch = FileChannel.open(Paths.get(pv.name()), StandardOpenOption.READ)) {
            ch.read(image, pv.peStart() + a.startPe() * vg.extentSize() + index * slice);
        }
        MemoryBlockDevice copy = new MemoryBlockDevice("log", slice);
        copy.write(0, image.flip(), false).get();
        int regions = RegionLogSlices.regions(vg.extentSize(), pvmove.segments().get(index));
        DiskRegionLog opened = DiskRegionLog.open(copy, "log", pvmove.segments().get(index).regionSize(), regions,
                SyncMode.DEFAULT).get();
        int n = 0;
        for (int i = 0; i < regions; i++) {
            n += opened.inSync(i) ? 1 : 0;
        }
        return n;
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void aFailingDestinationHoldsTheMoveAndAnAbortLeavesTheLvOnTheSource(boolean atomic) throws Exception {
        Map<String, BlockDevice> files = new ConcurrentHashMap<>();
        DeviceMapper faults = DeviceMapper.create(files::get);
        String[] dst = new String[1];
        PvWrapper wrapper = (path, file) -> {
            if (!path.endsWith("/pv2")) {
                return file;
            }
            files.put(path, file);
            dst[0] = "dst" + files.size() + "-" + System.nanoTime();
            return faults.registry().create(dst[0], "0 " + file.size() / 512 + " linear " + path + " 0\n");
        };
        f = new PvMoveFixture(root, wrapper);
        f.linear("a", "16M", f.pv1);
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 61).start();
        MoveProgress p = f.moves.start(PvMoveFixture.request(atomic, 4 * MIB, f.pv1, f.pv2));
        // watched on the mirror itself, not through the move's status, so nothing but the copy tells the move
        // how far it got when its destination dies
        String move = f.moves.moves().get(0).name();
        Poll.until(WAIT, "some copied", () -> {
            try {
                return f.volumes.activator().recovery("vg", move, 0).copiedBytes() >= 2 * MIB;
            } catch (IllegalStateException notMirroredYet) {
                return false;
            }
        });
        MappedDevice d = faults.registry().lookup(dst[0]).orElseThrow();
        faults.registry().load(dst[0], "0 " + d.size() / 512 + " error\n");
        d.resume().get(30, TimeUnit.SECONDS);
        f.moves.setRate(f.pv1, 0);

        Poll.until(WAIT, "the move held", () -> f.moves.job(p.name()).state() == JobState.HELD);
        MoveProgress held = f.moves.moves().get(0);
        assertEquals("MIGRATE_FAIL", held.errorCode());
        assertTrue(held.percent() < 100, "percent " + held.percent());
        assertTrue(held.segments().stream().allMatch(s -> s.state().equals("HELD")), held.segments().toString());
        long after = wa.writes();
        Poll.until(WAIT, "writes while held", () -> wa.writes() > after + 20);
        f.moves.abort(null, Duration.ofSeconds(60));
        assertEquals(JobState.ABORTED, f.await(p));
        MoveProgress end = f.moves.moves().get(0);
        assertTrue(end.copiedBytes() >= 2 * MIB, "an aborted move reports what it copied: " + end.copiedBytes());
        assertTrue(end.percent() > 0 && end.percent() < 100, "percent " + end.percent());
        wa.stop();
        assertEquals(Set.of(f.pv1), f.placement("a"));
        assertTrue(f.noMoveLeft());
        wa.verify("after the failed move");
    }

    @Test
    void movesOfDifferentSourcesRunConcurrently() throws Exception {
        f = new PvMoveFixture(root);
        f.linear("a", "8M", f.pv1);
        f.linear("b", "8M", f.pv2);
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 71).start();
        LvWorkload wb = new LvWorkload(() -> f.device("b"), 72).start();
        MoveProgress pa = f.moves.start(PvMoveFixture.request(false, 4 * MIB, f.pv1, f.pv3));
        MoveProgress pb = f.moves.start(PvMoveFixture.request(false, 4 * MIB, f.pv2, f.pv3));
        assertEquals("pvmove1", pb.name());
        assertFalse(f.moves.job(pa.name()).state().terminal());
        assertFalse(f.moves.job(pb.name()).state().terminal());
        assertEquals(JobState.COMPLETED, f.await(pa));
        assertEquals(JobState.COMPLETED, f.await(pb));
        wa.stop();
        wb.stop();
        assertEquals(Set.of(f.pv3), f.placement("a"));
        assertEquals(Set.of(f.pv3), f.placement("b"));
        assertTrue(f.noMoveLeft());
        wa.verify("a after concurrent moves");
        wb.verify("b after concurrent moves");
    }
}
