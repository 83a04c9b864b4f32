package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.PvSelection;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.testing.Poll;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every pvmove refusal has its stable name and leaves the metadata (seqno and document) unchanged. */
class PvMoveRefusalTest extends PvMoveFixtureTest {
    @BeforeEach
    void setUp() throws Exception {
        f = new PvMoveFixture(root);
        f.linear("a", "40M", f.pv1);
    }

    private void refused(ErrorCode code, PvMoveRequest request) {
        VolumeGroup before = f.vg();
        VolumeException e = assertThrows(VolumeException.class, () -> f.moves.start(request));
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(before, f.vg(), "metadata changed by a refused pvmove");
    }

    private static PvMoveRequest anywhere(String source, String destination) {
        return new PvMoveRequest(PvSelection.parse(source), List.of(PvSelection.parse(destination)), null, false,
                AllocationPolicy.ANYWHERE, 0, false);
    }

    @Test
    void nothingOnTheSourceIsNothingToMove() {
        refused(ErrorCode.NOTHING_TO_MOVE, PvMoveFixture.request(f.pv3));
        refused(ErrorCode.NOTHING_TO_MOVE, PvMoveFixture.request(f.pv1 + ":50-60"));
    }

    @Test
    void tooSmallADestinationIsInsufficientSpace() {
        refused(ErrorCode.INSUFFICIENT_SPACE, PvMoveFixture.request(f.pv1, f.pv2 + ":0-9"));
    }

    @Test
    void sourceAsDestinationIsSamePvAndOverlappingRangesAreRefused() {
        refused(ErrorCode.SAME_PV, PvMoveFixture.request(f.pv1, f.pv1));
        refused(ErrorCode.OVERLAPPING_RANGES, anywhere(f.pv1 + ":0-7", f.pv1 + ":4-50"));
        // an unranged source PV as destination offers only its extents outside the source ranges: none here
        refused(ErrorCode.INSUFFICIENT_SPACE, anywhere(f.pv1, f.pv1));
    }

    @Test
    void unknownPvLvAndBadRangesAreRefused() {
        refused(ErrorCode.PV_NOT_FOUND, PvMoveFixture.request(root.resolve("nope").toString()));
        refused(ErrorCode.PV_NOT_FOUND, PvMoveFixture.request(f.pv1, root.resolve("nope").toString()));
        refused(ErrorCode.INVALID_ARGUMENT, PvMoveFixture.request(f.pv1 + ":0-100"));
        refused(ErrorCode.LV_NOT_FOUND, new PvMoveRequest(PvSelection.parse(f.pv1), List.of(), "ghost", false,
                null, 0, false));
    }

    @Test
    void aSecondMoveOfTheSameSourceOrOfALockedLvIsRefused() throws Exception {
        new LvWorkload(() -> f.device("a"), 3);
        MoveProgress slow = f.moves.start(PvMoveFixture.request(false, 1 << 20, f.pv1, f.pv2));
        // the job commits its segment RUNNING right after the start; compare metadata only after that
        Poll.until(Duration.ofSeconds(60), "the move's segment to run", () -> f.vg().lv(slow.name()).orElseThrow()
                .segments().get(0).moveState() == MoveState.RUNNING);
        refused(ErrorCode.ALREADY_MOVING, PvMoveFixture.request(f.pv1, f.pv3));
        refused(ErrorCode.LV_LOCKED, new PvMoveRequest(PvSelection.parse(f.pv2), List.of(), "a", false, null, 0, false));
        List<MoveProgress> aborted = f.moves.abort(f.pv1, Duration.ofSeconds(60));
        assertEquals(JobState.ABORTED, aborted.get(0).state());
        assertEquals(slow.name(), aborted.get(0).name());
        assertTrue(f.noMoveLeft());
        VolumeException none = assertThrows(VolumeException.class,
                () -> f.moves.abort(f.pv1, Duration.ofSeconds(5)));
        assertEquals(ErrorCode.NO_SUCH_MOVE, none.code());
    }
}
