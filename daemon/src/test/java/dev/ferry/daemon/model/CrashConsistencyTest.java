package dev.ferry.daemon.model;

import static dev.ferry.daemon.model.VolumeFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.metadata.FaultPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs each mutating command against devices that crash after N writes (for every N the command performs), or
 * tear write N+1 in half, then reopens: the state is exactly the old or the new one, and recovery leaves every
 * copy repaired.
 */
class CrashConsistencyTest {
    @TempDir
    Path tmp;

    /** A step run against a manager. */
    @FunctionalInterface
    interface Step {
        void run(VolumeManager vm, VolumeFixture fx);
    }

    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of("pvcreate", (Step) (vm, fx) -> vm.pvcreate(fx.pv("d"), 33 * MIB, false)),
                Arguments.of("pvremove", (Step) (vm, fx) -> vm.pvremove(fx.pv("c"))),
                Arguments.of("vgcreate", (Step) (vm, fx) -> vm.vgcreate("vg2", List.of(fx.pv("c")), MIB)),
                Arguments.of("vgextend", (Step) (vm, fx) -> vm.vgextend("vg", List.of(fx.pv("c")))),
                Arguments.of("vgreduce", (Step) (vm, fx) -> vm.vgreduce("vg", List.of(fx.pv("c")))),
                Arguments.of("vgremove", (Step) (vm, fx) -> vm.vgremove("vg", true)),
                Arguments.of("lvcreate", (Step) (vm, fx) -> vm.lvcreate(new LvCreateRequest("vg", "s",
                        SizeSpec.parseExtents("6"), SegmentType.STRIPED, 2, 0, -1, 0, null, List.of()))),
                Arguments.of("lvextend", (Step) (vm, fx) -> vm.lvextend(
                        LvResizeRequest.of("vg", "lv1", SizeSpec.parseExtents("+5")))),
                Arguments.of("lvreduce", (Step) (vm, fx) -> vm.lvreduce(
                        LvResizeRequest.of("vg", "lv1", SizeSpec.parseExtents("-3")))),
                Arguments.of("lvremove", (Step) (vm, fx) -> vm.lvremove("vg", "lv1", false)),
                Arguments.of("lvrename", (Step) (vm, fx) -> vm.lvrename("vg", "lv1", "lv2")));
    }

    private static void setup(VolumeFixture fx, boolean withC) throws IOException {
        fx.wipe();
        try (VolumeManager vm = fx.open()) {
            for (String name : List.of("a", "b", "c")) {
                vm.pvcreate(fx.pv(name), 33 * MIB, false);
            }
            vm.vgcreate("vg", List.of(fx.pv("a"), fx.pv("b")), MIB);
            if (withC) {
                vm.vgextend("vg", List.of(fx.pv("c")));
            }
            vm.lvcreate(LvCreateRequest.linear("vg", "lv1", SizeSpec.parseExtents("10")));
            vm.lvcreate(new LvCreateRequest("vg", "m", SizeSpec.parseExtents("4"), SegmentType.MIRROR, 0, 0, 1, 0,
                    null, List.of(), MirrorWriteConsistency.PASSIVE, false));
        }
    }

    private static String reopenedState(VolumeFixture fx) throws IOException {
        try (VolumeManager vm = fx.open()) {
            return VolumeFixture.state(vm);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void crashAtEveryWriteLeavesOldOrNewState(String name, Step step) throws IOException {
        VolumeFixture fx = new VolumeFixture(tmp.resolve("fx"));
        boolean withC = name.equals("vgreduce");
        setup(fx, withC);
        String oldState = reopenedState(fx);
        FaultPlan counting = FaultPlan.counting();
        try (VolumeManager vm = fx.open(counting.opener())) {
            step.run(vm, fx);
        }
        long writes = counting.writes();
        String newState = reopenedState(fx);
        assertThat(newState).isNotEqualTo(oldState);
        assertThat(writes).isPositive();
        boolean sawOld = false;
        for (long n = 0; n < writes; n++) {
            for (int tear : new int[] {0, 40, 300}) {
                setup(fx, withC);
                FaultPlan plan = new FaultPlan(n, tear);
                try (VolumeManager vm = fx.open(plan.opener())) {
                    assertThatThrownBy(() -> step.run(vm, fx)).isInstanceOf(VolumeException.class)
                            .extracting(e -> ((VolumeException) e).code())
                            .isIn(ErrorCode.IO_ERROR, ErrorCode.FORCEOFF);   // every PV's writes fail: no quorum
                }
                String after = reopenedState(fx);
                String what = name + " crashed after " + n + " of " + writes + " writes, tear " + tear;
                assertThat(after).as(what).isIn(oldState, newState);
                sawOld |= after.equals(oldState);
                try (VolumeManager vm = fx.open()) {
                    assertThat(vm.recoveryLog()).as(what + ": repaired on the first reopen").isEmpty();
                    assertThat(VolumeFixture.state(vm)).isEqualTo(after);
                }
            }
        }
        assertThat(sawOld).as("a crash at the first write keeps the old state").isTrue();
    }
}
