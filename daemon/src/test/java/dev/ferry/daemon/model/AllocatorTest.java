package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AllocatorTest {
    private static final long ES = 1 << 20;

    private static VolumeGroup vg(long... peCounts) {
        List<PhysicalVolume> pvs = new ArrayList<>();
        for (int i = 0; i < peCounts.length; i++) {
            pvs.add(new PhysicalVolume(UUID.randomUUID(), "/pv/" + (char) ('a' + i), (peCounts[i] + 1) * ES, ES,
                    peCounts[i]));
        }
        return VolumeGroup.create("vg", ES, pvs);
    }

    private static UUID pv(VolumeGroup vg, int i) {
        return vg.pvs().get(i).uuid();
    }

    private static VolumeGroup withLinear(VolumeGroup vg, String name, int pvIndex, long start, long count) {
        return vg.withLvAdded(LogicalVolume.create(name, AllocationPolicy.INHERIT,
                List.of(Segment.linear(0, count, new Area(pv(vg, pvIndex), start)))));
    }

    private static List<AllocatedChunk> alloc(VolumeGroup vg, int parallel, long perArea, AllocationPolicy policy,
                                              List<Segment> existing) {
        return Allocator.allocate(FreeSpaceMap.of(vg), new AllocationRequest(parallel, perArea, policy, existing));
    }

    @Test
    void linearTakesFirstRunThatHoldsEverything() {
        VolumeGroup vg = withLinear(vg(10, 10), "x", 0, 2, 3);
        List<AllocatedChunk> chunks = alloc(vg, 1, 5, AllocationPolicy.NORMAL, List.of());
        assertThat(chunks).containsExactly(new AllocatedChunk(5, List.of(new Area(pv(vg, 0), 5))));
    }

    @Test
    void normalSplitsAcrossPvsWhenNoRunIsBigEnough() {
        VolumeGroup vg = vg(4, 4);
        List<AllocatedChunk> chunks = alloc(vg, 1, 7, AllocationPolicy.NORMAL, List.of());
        assertThat(chunks).extracting(AllocatedChunk::length).containsExactly(4L, 3L);
    }

    @Test
    void contiguousRefusesFragmentedSpaceThatNormalAccepts() {
        VolumeGroup vg = withLinear(vg(10), "x", 0, 4, 2);
        assertThatThrownBy(() -> alloc(vg, 1, 5, AllocationPolicy.CONTIGUOUS, List.of()))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_SPACE));
        assertThat(alloc(vg, 1, 5, AllocationPolicy.NORMAL, List.of())).hasSize(2);
    }

    @Test
    void contiguousExtensionMustStartRightAfterTheLastSegment() {
        VolumeGroup base = vg(20);
        VolumeGroup vg = withLinear(withLinear(base, "x", 0, 0, 5), "blocker", 0, 5, 1);
        List<Segment> existing = vg.lv("x").orElseThrow().segments();
        assertThatThrownBy(() -> alloc(vg, 1, 2, AllocationPolicy.CONTIGUOUS, existing))
                .isInstanceOf(VolumeException.class);
        VolumeGroup free = withLinear(base, "x", 0, 0, 5);
        assertThat(alloc(free, 1, 2, AllocationPolicy.CONTIGUOUS, free.lv("x").orElseThrow().segments()))
                .containsExactly(new AllocatedChunk(2, List.of(new Area(pv(free, 0), 5))));
    }

    @Test
    void normalPrefersContiguousExtension() {
        VolumeGroup vg = withLinear(vg(20, 20), "x", 1, 3, 2);
        assertThat(alloc(vg, 1, 4, AllocationPolicy.NORMAL, vg.lv("x").orElseThrow().segments()))
                .containsExactly(new AllocatedChunk(4, List.of(new Area(pv(vg, 1), 5))));
    }

    @Test
    void clingKeepsExtensionOnThePvOfTheLastSegment() {
        VolumeGroup vg = withLinear(withLinear(vg(20, 20), "x", 1, 0, 2), "blocker", 1, 2, 1);
        List<Segment> existing = vg.lv("x").orElseThrow().segments();
        List<AllocatedChunk> chunks = alloc(vg, 1, 4, AllocationPolicy.CLING, existing);
        assertThat(chunks).extracting(c -> c.areas().get(0).pv()).containsOnly(pv(vg, 1));
        assertThatThrownBy(() -> alloc(vg, 1, 18, AllocationPolicy.CLING, existing))
                .isInstanceOf(VolumeException.class);
        assertThat(alloc(vg, 1, 18, AllocationPolicy.NORMAL, existing)).hasSize(1);
    }

    @Test
    void normalPutsMirrorLegsOnDistinctPvsAndAnywhereMayNot() {
        VolumeGroup one = vg(20);
        assertThatThrownBy(() -> alloc(one, 2, 4, AllocationPolicy.NORMAL, List.of()))
                .isInstanceOf(VolumeException.class);
        List<AllocatedChunk> anywhere = alloc(one, 2, 4, AllocationPolicy.ANYWHERE, List.of());
        assertThat(anywhere).singleElement().satisfies(c -> assertThat(c.areas())
                .containsExactly(new Area(pv(one, 0), 0), new Area(pv(one, 0), 4)));
        VolumeGroup three = vg(10, 10, 10);
        assertThatThrownBy(() -> alloc(vg(3, 10, 10), 3, 6, AllocationPolicy.NORMAL, List.of()))
                .isInstanceOf(VolumeException.class);
        for (AllocatedChunk c : alloc(three, 3, 6, AllocationPolicy.NORMAL, List.of())) {
            assertThat(c.areas()).extracting(Area::pv).doesNotHaveDuplicates();
        }
    }

    @Test
    void normalNeverLetsOneLegMoveOntoAnotherLegsPv() {
        VolumeGroup vg = vg(4, 4, 20);
        List<AllocatedChunk> chunks = alloc(vg, 2, 8, AllocationPolicy.NORMAL, List.of());
        List<Set<UUID>> legs = List.of(new java.util.HashSet<>(), new java.util.HashSet<>());
        chunks.forEach(c -> {
            legs.get(0).add(c.areas().get(0).pv());
            legs.get(1).add(c.areas().get(1).pv());
        });
        assertThat(legs.get(0)).doesNotContainAnyElementsOf(legs.get(1));
    }

    @Test
    void stripesGoAcrossPvs() {
        VolumeGroup vg = vg(10, 10, 10);
        List<AllocatedChunk> chunks = alloc(vg, 3, 5, AllocationPolicy.NORMAL, List.of());
        assertThat(chunks).singleElement().satisfies(c -> {
            assertThat(c.length()).isEqualTo(5);
            assertThat(c.areas()).extracting(Area::pv).containsExactly(pv(vg, 0), pv(vg, 1), pv(vg, 2));
        });
        assertThatThrownBy(() -> alloc(vg(10, 10), 3, 1, AllocationPolicy.NORMAL, List.of()))
                .isInstanceOf(VolumeException.class);
    }

    @Test
    void peRangeRestrictionIsHonoured() {
        VolumeGroup vg = vg(20, 20);
        FreeSpaceMap free = FreeSpaceMap.of(vg).copy();
        free.restrictTo(java.util.Map.of(pv(vg, 1), List.of(new PeRun(7, 3), new PeRun(15, 2))));
        List<AllocatedChunk> chunks = Allocator.allocate(free,
                new AllocationRequest(1, 5, AllocationPolicy.NORMAL, List.of()));
        assertThat(chunks).containsExactly(new AllocatedChunk(3, List.of(new Area(pv(vg, 1), 7))),
                new AllocatedChunk(2, List.of(new Area(pv(vg, 1), 15))));
        assertThatThrownBy(() -> Allocator.allocate(free,
                new AllocationRequest(1, 6, AllocationPolicy.NORMAL, List.of()))).isInstanceOf(VolumeException.class);
    }

    @Test
    void overlappingAreasAreRejectedAsInvalidMetadata() {
        VolumeGroup vg = withLinear(withLinear(vg(10), "x", 0, 0, 5), "y", 0, 4, 2);
        assertThatThrownBy(() -> VgValidator.validate(vg)).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.METADATA_INVALID));
        VolumeGroup outside = withLinear(vg(10), "x", 0, 8, 5);
        assertThatThrownBy(() -> VgValidator.validate(outside)).isInstanceOf(VolumeException.class);
    }
}
