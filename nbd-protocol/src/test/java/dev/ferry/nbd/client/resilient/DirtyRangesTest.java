package dev.ferry.nbd.client.resilient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link DirtyRanges}: merging, subtracting, and the bound that falls back to the whole export. */
class DirtyRangesTest {

    private final DirtyRanges set = new DirtyRanges(1 << 20, 3);

    @Test
    void overlappingAndAdjacentRangesMerge() {
        set.add(100, 50);
        set.add(150, 50);
        set.add(120, 10);
        set.add(300, 10);
        set.add(190, 120);
        assertThat(set.ranges()).containsExactly(new ByteRange(100, 210));
    }

    @Test
    void subtractSplitsAndTrims() {
        set.add(0, 1000);
        set.subtract(100, 100);
        set.subtract(900, 200);
        set.subtract(0, 10);
        assertThat(set.ranges()).containsExactly(new ByteRange(10, 90), new ByteRange(200, 700));
        set.subtract(0, 1 << 20);
        assertThat(set.isEmpty()).isTrue();
    }

    @Test
    void overlapsSeesAnyCommonByteAndNothingAdjacent() {
        set.add(100, 50);
        set.add(300, 10);
        assertThat(set.overlaps(0, 100)).as("ends where a range starts").isFalse();
        assertThat(set.overlaps(150, 150)).as("between two ranges, touching both").isFalse();
        assertThat(set.overlaps(0, 101)).isTrue();
        assertThat(set.overlaps(149, 1)).isTrue();
        assertThat(set.overlaps(120, 5)).as("inside a range").isTrue();
        assertThat(set.overlaps(0, 1000)).as("around both").isTrue();
        assertThat(set.overlaps(309, 0)).as("empty").isFalse();
    }

    @Test
    void moreRangesThanTheBoundCountTheWholeExport() {
        for (int i = 0; i < 3; i++) {
            set.add(i * 100L, 10);
        }
        assertThat(set.ranges()).hasSize(3);
        set.add(1000, 10);
        assertThat(set.ranges()).isEqualTo(List.of(new ByteRange(0, 1 << 20)));
        set.subtract(0, 4096);
        assertThat(set.ranges()).containsExactly(new ByteRange(4096, (1 << 20) - 4096));
    }
}
