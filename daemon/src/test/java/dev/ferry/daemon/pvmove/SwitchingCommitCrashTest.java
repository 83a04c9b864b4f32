package dev.ferry.daemon.pvmove;

import static dev.ferry.daemon.pvmove.MoveDevices.indices;
import static dev.ferry.daemon.pvmove.MoveDevices.withStates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.MetadataOps;
import dev.ferry.daemon.metadata.MetadataOps.Kind;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvRuntime;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.PvSelection;
import dev.ferry.daemon.model.RequiredPvs;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash points of pvmove's switching commit on real PV files: a move of LV lv from PV a to PV b (PV c is the third
 * PV of the VG) with its segment RUNNING at seqno N, then the commit switching it (N+1, RUNNING -> COMPLETED, b
 * required first). The process "dies" at each write and sync of that commit ({@link MetadataOps}), with the writes
 * not synced yet kept or lost; or b refuses the switch (its write or its sync fails, the process lives on), the move
 * is held with the next commit (N+2, HELD) and the process dies at each write and sync of that one. A fresh manager
 * then opens the same files, as a restart does, with b healthy. What it reads must be the segment RUNNING or HELD on
 * its source, or COMPLETED when b holds the switch; never COMPLETED without b holding it; and no seqno ever has two
 * different documents.
 */
class SwitchingCommitCrashTest {
    /** The writes and syncs of a commit to the three PVs: the switch's, b first, then a and c. */
    private static final List<String> SWITCH_OPS = List.of("write b", "sync b", "write a", "write c", "sync a",
            "sync c");
    private static final List<String> HOLD_OPS = List.of("write a", "write c", "sync a", "sync c");
    private static final long MIB = 1 << 20;

    @TempDir
    Path root;
    private String moveLv;
    private long seqno;

    static Stream<Arguments> switchCrashes() {
        return Stream.of(false, true).flatMap(lose -> IntStream.rangeClosed(0, SWITCH_OPS.size())
                .mapToObj(k -> Arguments.of(k, lose)));
    }

    static Stream<Arguments> holdCrashes() {
        return Stream.of(Kind.WRITE, Kind.SYNC).flatMap(failing -> Stream.of(false, true).flatMap(lose ->
                IntStream.rangeClosed(0, HOLD_OPS.size()).mapToObj(k -> Arguments.of(failing, k, lose))));
    }

    @ParameterizedTest(name = "crash at op {0} of the switch, unsynced writes lost: {1}")
    @MethodSource("switchCrashes")
    void aCrashInTheSwitchingCommitRecoversTheSegmentRunningOrCompletedWithTheDestinationHoldingIt(int k,
            boolean lose) throws IOException {
        moving();
        MetadataOps ops = MetadataOps.crashingAt(k, lose);
        try (VolumeManager vm = open(ops.opener())) {
            try {
                switchSegment(vm);
            } catch (VolumeException e) {
                assertThat(ops.crashed()).as(e.toString()).isTrue();
            }
            assertThat(ops.log()).map(String::valueOf).as("the ops before the crash, in order")
                    .containsExactlyElementsOf(SWITCH_OPS.subList(0, k));
        }
        MoveState recovered = recoverAndCheck("crash at " + (k < SWITCH_OPS.size() ? SWITCH_OPS.get(k) : "none")
                + (lose ? ", unsynced lost" : ", unsynced kept"));
        boolean bTookIt = k > (lose ? 1 : 0);   // b's write is on the file (kept), or b synced it
        assertThat(recovered).isEqualTo(bTookIt ? MoveState.COMPLETED : MoveState.RUNNING);
    }

    @ParameterizedTest(name = "b's {0} fails, crash at op {1} of the hold, unsynced writes lost: {2}")
    @MethodSource("holdCrashes")
    void aSwitchRefusedByTheDestinationIsHeldAndACrashInTheHoldNeverRecoversItCompletedWithoutIt(Kind failing,
            int k, boolean lose) throws IOException {
        moving();
        int before = failing == Kind.SYNC ? 1 : 0;   // b's write completes when only its sync fails
        MetadataOps ops = MetadataOps.crashingAt(before + k, lose);
        ops.fail("b", failing);
        try (VolumeManager vm = open(ops.opener())) {
            assertThatThrownBy(() -> switchSegment(vm)).isInstanceOfSatisfying(VolumeException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.PV_MISSED_COMMIT));
            try {
                VolumeGroup held = vm.updateVolumeGroup("vg", v -> v.withLvChanged(moveLv,
                        l -> withStates(l, indices(l.segments(), MoveState.RUNNING), MoveState.HELD)));
                assertThat(held.seqno()).as("the refused seqno is skipped").isEqualTo(seqno + 2);
            } catch (VolumeException e) {
                assertThat(ops.crashed()).as(e.toString()).isTrue();
            }
            assertThat(ops.log().subList(before, ops.log().size())).map(String::valueOf)
                    .as("nothing but b before the hold; the hold's ops before the crash")
                    .containsExactlyElementsOf(HOLD_OPS.subList(0, k));
        }
        MoveState recovered = recoverAndCheck("b's " + failing.name().toLowerCase(Locale.ROOT)
                + " failed, crash at " + (k < HOLD_OPS.size() ? HOLD_OPS.get(k) : "none") + " of the hold"
                + (lose ? ", unsynced lost" : ", unsynced kept"));
        boolean holdLanded = k > (lose ? 2 : 0);   // a's write is on the file (kept), or a synced it
        boolean bTookSwitch = failing == Kind.SYNC && !lose;   // its write reached the file though its sync failed
        assertThat(recovered).isEqualTo(holdLanded ? MoveState.HELD
                : bTookSwitch ? MoveState.COMPLETED : MoveState.RUNNING);
    }

    /** VG vg over a, b, c; LV lv on a; a move of lv to b planned and its segment RUNNING (seqno N). */
    private void moving() throws IOException {
        try (VolumeManager vm = open(DeviceOpener.files())) {
            for (String pv : List.of("a", "b", "c")) {
                vm.pvcreate(pv(pv), 33 * MIB, false);
            }
            vm.vgcreate("vg", List.of(pv("a"), pv("b"), pv("c")), MIB);
            vm.lvcreate(new LvCreateRequest("vg", "lv", SizeSpec.parseExtents("4"), null, 0, 0, -1, 0, null,
                    List.of(pv("a"))));
            PvMovePlanner.Plan plan = new PvMovePlanner(vm.requireVolumeGroup("vg")).plan(new PvMoveRequest(
                    new PvSelection(pv("a"), List.of()), List.of(new PvSelection(pv("b"), List.of())), null, false,
                    null, 0, false));
            moveLv = plan.pvmoveLv();
            vm.updateVolumeGroup("vg", v -> plan.vg());
            seqno = vm.updateVolumeGroup("vg", v -> v.withLvChanged(moveLv, l -> withStates(l,
                    indices(l.segments(), MoveState.DISABLED), MoveState.RUNNING))).seqno();
        }
    }

    /** The switching commit as {@link MoveCommits} makes it: RUNNING segments COMPLETED, their destinations first. */
    private void switchSegment(VolumeManager vm) {
        VolumeGroup vg = vm.requireVolumeGroup("vg");
        List<Integer> running = indices(vg.requireLv(moveLv).segments(), MoveState.RUNNING);
        Set<UUID> destinations = MoveDevices.destinations(vg.requireLv(moveLv), running);
        assertThat(destinations).containsExactly(vg.pvByName(pv("b")).orElseThrow().uuid());
        vm.updateVolumeGroup("vg", v -> v.withLvChanged(moveLv, l -> withStates(l, running, MoveState.COMPLETED)),
                RequiredPvs.of(destinations));
    }

    /**
     * Reads what each PV's metadata area holds, then opens the files afresh (b healthy): checks that no seqno has two
     * documents, that the segment is COMPLETED only if b held the switch, and that recovery leaves every PV with
     * the newest copy; returns the recovered segment state.
     */
    private MoveState recoverAndCheck(String point) throws IOException {
        Map<String, Map<Long, String>> areas = new TreeMap<>();
        Map<Long, String> documents = new HashMap<>();
        for (String pv : List.of("a", "b", "c")) {
            Map<Long, String> slots = MetadataOps.validSlots(Path.of(pv(pv)));
            areas.put(pv, slots);
            slots.forEach((s, doc) -> assertThat(documents.computeIfAbsent(s, x -> doc))
                    .as(point + ": seqno " + s + " on " + pv + " is the document other PVs hold").isEqualTo(doc));
        }
        MoveState state;
        try (VolumeManager vm = open(DeviceOpener.files())) {
            VolumeGroup vg = vm.requireVolumeGroup("vg");
            state = vg.requireLv(moveLv).segments().get(0).moveState();
            if (state == MoveState.COMPLETED) {
                assertThat(areas.get("b")).as(point + ": COMPLETED, so b holds that document")
                        .containsEntry(vg.seqno(), documents.get(vg.seqno()));
            }
        }
        List<String> held = new ArrayList<>();
        areas.forEach((pv, slots) -> held.add(pv + "=" + slots.keySet().stream().sorted()
                .map(s -> s == seqno ? "N" : "N+" + (s - seqno)).filter(s -> !s.startsWith("N+-")).toList()));
        System.out.printf("SwitchingCommitCrashTest: %s: %s -> %s%n", point, held, state);
        for (String pv : List.of("a", "b", "c")) {
            assertThat(MetadataOps.validSlots(Path.of(pv(pv)))).as(point + ": " + pv + " repaired")
                    .containsKey(documents.keySet().stream().max(Long::compare).orElseThrow());
        }
        return state;
    }

    private VolumeManager open(DeviceOpener opener) throws IOException {
        return VolumeManager.open(root.resolve("data"), opener, LvRuntime.NONE);
    }

    private String pv(String name) {
        return root.resolve(name).toString();
    }
}
