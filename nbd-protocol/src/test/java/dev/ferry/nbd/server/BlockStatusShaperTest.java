package dev.ferry.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.export.BlockStatusExtent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Trimming, merging and capping of block status extents. */
class BlockStatusShaperTest {

    @Test
    void trimsToTheRequestAndMergesEqualNeighbours() {
        List<BlockStatusExtent> in = List.of(BlockStatusExtent.data(100), BlockStatusExtent.data(50),
                BlockStatusExtent.hole(200), BlockStatusExtent.data(1000));
        assertThat(BlockStatusShaper.shape(in, 400, false)).containsExactly(BlockStatusExtent.data(150),
                BlockStatusExtent.hole(200), BlockStatusExtent.data(50));
    }

    @Test
    void reqOneKeepsOneExtentNoLongerThanTheRequest() {
        assertThat(BlockStatusShaper.shape(List.of(BlockStatusExtent.hole(1 << 20)), 4096, true))
                .containsExactly(BlockStatusExtent.hole(4096));
        assertThat(BlockStatusShaper.shape(List.of(BlockStatusExtent.data(10), BlockStatusExtent.hole(10)), 20, true))
                .containsExactly(BlockStatusExtent.data(10));
    }

    @Test
    void capsTheNumberOfExtents() {
        List<BlockStatusExtent> in = new ArrayList<>();
        for (int i = 0; i < BlockStatusShaper.MAX_EXTENTS + 100; i++) {
            in.add(i % 2 == 0 ? BlockStatusExtent.data(1) : BlockStatusExtent.hole(1));
        }
        assertThat(BlockStatusShaper.shape(in, Long.MAX_VALUE, false)).hasSize(BlockStatusShaper.MAX_EXTENTS);
    }
}
