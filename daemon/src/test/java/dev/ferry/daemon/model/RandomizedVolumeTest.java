package dev.ferry.daemon.model;

import static dev.ferry.daemon.model.VolumeFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.testing.Seeds;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random sequences of lvcreate/lvextend/lvreduce/lvremove: no PE is ever allocated twice, free space
 * accounting is exact, sizes match a model, refusals change nothing, and reopening yields the same VG.
 * Re-run a failure with {@code -Dferry.seed=N}.
 */
class RandomizedVolumeTest {
    private static final List<ErrorCode> ACCEPTABLE = List.of(ErrorCode.INSUFFICIENT_SPACE,
            ErrorCode.INVALID_ARGUMENT);
    @TempDir
    Path tmp;

    @Test
    void randomSequencesKeepInvariants() throws IOException {
        run(Seeds.fresh(), 250);
    }

    private void run(long seed, int steps) throws IOException {
        Random rnd = new Random(seed);
        VolumeFixture fx = new VolumeFixture(tmp);
        Map<String, Long> sizes = new HashMap<>();
        Map<String, AllocationPolicy> policies = new HashMap<>();
        VolumeManager vm = fx.open();
        int succeeded = 0;
        try {
            vm.pvcreate(fx.pv("a"), 41 * MIB, false);
            vm.pvcreate(fx.pv("b"), 25 * MIB, false);
            vm.pvcreate(fx.pv("c"), 17 * MIB, false);
            vm.vgcreate("vg", List.of(fx.pv("a"), fx.pv("b"), fx.pv("c")), MIB);
            for (int step = 0; step < steps; step++) {
                VolumeGroup before = vm.volumeGroup("vg").orElseThrow();
                List<String> names = new ArrayList<>(sizes.keySet());
                names.sort(null);
                String pick = names.isEmpty() ? null : names.get(rnd.nextInt(names.size()));
                int op = pick == null ? 0 : rnd.nextInt(10);
                try {
                    if (op < 3) {
                        String name = "lv" + step;
                        AllocationPolicy policy = AllocationPolicy.values()[rnd.nextInt(4)];
                        int kind = rnd.nextInt(3);
                        LogicalVolume lv = vm.lvcreate(new LvCreateRequest("vg", name,
                                SizeSpec.parseExtents(Integer.toString(1 + rnd.nextInt(10))),
                                kind == 0 ? null : kind == 1 ? SegmentType.STRIPED : SegmentType.MIRROR,
                                kind == 1 ? 2 : 0, 0, kind == 2 ? 1 : -1, 0, policy, List.of()));
                        sizes.put(name, lv.extentCount());
                        policies.put(name, policy);
                    } else if (op < 6) {
                        long grown = vm.lvextend(LvResizeRequest.of("vg", pick,
                                SizeSpec.parseExtents("+" + (1 + rnd.nextInt(8))))).extentCount();
                        assertThat(grown).isGreaterThan(sizes.get(pick));
                        sizes.put(pick, grown);
                    } else if (op < 8) {
                        long reduceBy = 1 + rnd.nextInt((int) Math.max(1, sizes.get(pick)));
                        long shrunk = vm.lvreduce(LvResizeRequest.of("vg", pick,
                                SizeSpec.parseExtents("-" + reduceBy))).extentCount();
                        assertThat(shrunk).isLessThan(sizes.get(pick)).isPositive();
                        sizes.put(pick, shrunk);
                    } else {
                        vm.lvremove("vg", pick, false);
                        sizes.remove(pick);
                    }
                    succeeded++;
                } catch (VolumeException e) {
                    assertThat(e.code()).as("step %d: %s", step, e.getMessage()).isIn(ACCEPTABLE);
                    assertThat(vm.volumeGroup("vg").orElseThrow()).as("refusal changes nothing").isEqualTo(before);
                }
                checkInvariants(vm.volumeGroup("vg").orElseThrow(), sizes, policies, step);
                if (step % 50 == 49) {
                    VolumeGroup now = vm.volumeGroup("vg").orElseThrow();
                    vm.close();
                    vm = fx.open();
                    assertThat(vm.volumeGroup("vg").orElseThrow()).as("reopen at step %d", step).isEqualTo(now);
                    assertThat(vm.recoveryLog()).isEmpty();
                }
            }
            assertThat(succeeded).as("most steps change the VG").isGreaterThan(steps / 2);
            assertThat(vm.volumeGroup("vg").orElseThrow().seqno()).isEqualTo(1 + succeeded);
        } finally {
            vm.close();
        }
    }

    private static void checkInvariants(VolumeGroup vg, Map<String, Long> sizes,
                                        Map<String, AllocationPolicy> policies, int step) {
        VgValidator.validate(vg);
        FreeSpaceMap free = FreeSpaceMap.of(vg);
        long used = 0;
        for (LogicalVolume lv : vg.lvs()) {
            if (lv.has(LvFlag.MIRROR_LOG)) {   // a mirror's region log: sized for its mirror, away from its legs
                LogicalVolume owner = vg.lvs().stream().filter(m -> m.mirrored()
                        && lv.name().equals(m.mirror().logLv())).findFirst().orElseThrow();
                assertThat(lv.extentCount()).as("step %d log of %s", step, owner.name()).isGreaterThanOrEqualTo(
                        MirrorLayout.logExtents(vg.extentSize(), owner.extentCount(), MirrorLayout.regionSize(owner)));
                if (policies.get(owner.name()) != AllocationPolicy.ANYWHERE) {
                    assertThat(MirrorLayout.legPvs(lv)).as("step %d log of %s on a leg's PV", step, owner.name())
                            .doesNotContainAnyElementsOf(MirrorLayout.legPvs(owner));
                }
                used += lv.extentCount();
                continue;
            }
            assertThat(lv.extentCount()).as("step %d size of %s", step, lv.name()).isEqualTo(sizes.get(lv.name()));
            for (Segment s : lv.segments()) {
                used += s.areaLength() * s.areas().size();
                if (policies.get(lv.name()) != AllocationPolicy.ANYWHERE && s.areas().size() > 1) {
                    assertThat(s.areas()).extracting(Area::pv).as("step %d parallel areas of %s", step, lv.name())
                            .doesNotHaveDuplicates();
                }
            }
            if (policies.get(lv.name()) != AllocationPolicy.ANYWHERE && lv.segments().get(0).areas().size() > 1) {
                int n = lv.segments().get(0).areas().size();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        if (i != j) {
                            Set<Object> pi = pvsOfArea(lv, i);
                            assertThat(pi).as("step %d: area %d and %d of %s share a PV", step, i, j, lv.name())
                                    .doesNotContainAnyElementsOf(pvsOfArea(lv, j));
                        }
                    }
                }
            }
        }
        assertThat(sizes.keySet()).isEqualTo(Set.copyOf(vg.lvs().stream().filter(lv -> !lv.has(LvFlag.MIRROR_LOG))
                .map(LogicalVolume::name).toList()));
        assertThat(free.totalFree() + used).as("step %d free + used = total", step).isEqualTo(vg.extentCount());
    }

    private static Set<Object> pvsOfArea(LogicalVolume lv, int index) {
        Set<Object> out = new java.util.HashSet<>();
        lv.segments().forEach(s -> out.add(s.areas().get(index).pv()));
        return out;
    }
}
