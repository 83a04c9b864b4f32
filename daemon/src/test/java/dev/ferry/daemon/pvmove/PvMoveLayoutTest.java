package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.model.PvSelection;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.report.Report;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.model.report.Units;
import dev.ferry.nbd.export.Export;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Moves of every segment type, of one LV (-n), of PE ranges, atomic and not; data verified through the LVs. */
class PvMoveLayoutTest extends PvMoveFixtureTest {
    @BeforeEach
    void setUp() throws Exception {
        f = new PvMoveFixture(root);
    }

    @Test
    void atomicMoveSwitchesEveryLvTogether() throws Exception {
        f.linear("a", "10M", f.pv1);
        f.linear("b", "6M", f.pv1);
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 11).start();
        LvWorkload wb = new LvWorkload(() -> f.device("b"), 12).start();
        MoveProgress p = f.moves.start(PvMoveFixture.request(true, 0, f.pv1, f.pv3));
        assertTrue(p.atomic());
        assertEquals(JobState.COMPLETED, f.await(p));
        wa.stop();
        wb.stop();
        assertEquals(Set.of(f.pv3), f.placement("a"));
        assertEquals(Set.of(f.pv3), f.placement("b"));
        assertTrue(f.noMoveLeft());
        wa.verify("after an atomic move");
        wb.verify("after an atomic move");
    }

    @Test
    void stripedAndMirroredLvsMoveOneLegAndKeepLegsOnDistinctPvs() throws Exception {
        f.striped("s", "8M", f.pv1, f.pv2);
        f.mirror("m", "8M", f.pv1, f.pv2);
        assertEquals(List.of("vg/m", "vg/s"), f.exports.list().stream().map(Export::name).toList(),
                "mirror images and logs are hidden, not NBD exports");
        LvWorkload ws = new LvWorkload(() -> f.device("s"), 21).start();
        LvWorkload wm = new LvWorkload(() -> f.device("m"), 22).start();
        MoveProgress p = f.moves.start(PvMoveFixture.request(f.pv1));
        assertEquals(JobState.COMPLETED, f.await(p));
        ws.stop();
        wm.stop();
        assertEquals(Set.of(f.pv2, f.pv3), f.placement("s"));
        assertEquals(Set.of(f.pv2, f.pv3), f.placement("m"));
        assertEquals(SegmentType.STRIPED, f.lv("s").segments().get(0).type());
        assertEquals(SegmentType.MIRROR, f.lv("m").segments().get(0).type());
        ws.verify("striped after the move");
        wm.verify("mirror after the move");
    }

    @Test
    void minusNMovesOnlyThatLv() throws Exception {
        f.linear("a", "4M", f.pv1);
        f.linear("b", "4M", f.pv1);
        LvWorkload wb = new LvWorkload(() -> f.device("b"), 31);
        MoveProgress p = f.moves.start(new PvMoveRequest(PvSelection.parse(f.pv1), List.of(PvSelection.parse(f.pv2)),
                "b", false, null, 0, false));
        assertEquals(List.of("b"), p.lvs());
        assertEquals(JobState.COMPLETED, f.await(p));
        assertEquals(Set.of(f.pv1), f.placement("a"));
        assertEquals(Set.of(f.pv2), f.placement("b"));
        wb.verify("after -n b");
    }

    @Test
    void peRangesSplitTheLvAndOnlyThoseExtentsMove() throws Exception {
        f.linear("a", "12M", f.pv1);
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 41).start();
        MoveProgress p = f.moves.start(PvMoveFixture.request(f.pv1 + ":2-4:8", f.pv2 + ":10-30"));
        assertEquals(JobState.COMPLETED, f.await(p));
        wa.stop();
        List<Segment> segs = f.lv("a").segments();
        String layout = segs.stream().map(s -> s.startLe() + "+" + s.extentCount() + "@"
                + f.vg().pv(s.areas().get(0).pv()).orElseThrow().name().replace(root.toString(), "") + ":"
                + s.areas().get(0).startPe()).toList().toString();
        assertEquals("[0+2@/pv1:0, 2+3@/pv2:10, 5+3@/pv1:5, 8+1@/pv2:13, 9+3@/pv1:9]", layout);
        wa.verify("after a ranged move");
    }

    @Test
    void lvsShowsThePvmoveLvWithMoveAndCopyPercentWhileItRuns() throws Exception {
        f.linear("a", "16M", f.pv1);
        MoveProgress p = f.moves.start(PvMoveFixture.request(false, 2 << 20, f.pv1, f.pv2));
        ReportOptions all = new ReportOptions(true, "lv_name,move_pv,copy_percent", Units.parse("h"), false,
                List.of());
        String text = f.volumes.lvs(all).toText(true, null);
        assertTrue(text.contains("[pvmove0]"), text);
        assertTrue(text.contains("[pvmove0_mlog]"), text);
        assertTrue(text.lines().filter(l -> l.contains(f.pv1)).count() >= 2, text);
        assertTrue(f.volumes.activator().device("vg", "pvmove0").isPresent(), "pvmove0 has its mapped device");
        assertTrue(f.volumes.activator().device("vg", "pvmove0_mlog").isPresent(), "the log has its mapped device");
        assertEquals(List.of("vg/a"), f.exports.list().stream().map(Export::name).toList(),
                "only visible LVs are NBD exports: no client may write into the move's mirror or region log");
        f.moves.setRate(f.pv1, 0);
        assertEquals(JobState.COMPLETED, f.await(p));
        Report after = f.volumes.lvs(all);
        assertTrue(!after.toText(true, null).contains("pvmove"), after.toText(true, null));
    }
}
