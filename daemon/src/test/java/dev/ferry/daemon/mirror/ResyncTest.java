package dev.ferry.daemon.mirror;

import static dev.ferry.daemon.mirror.MirrorFixture.MIB;
import static dev.ferry.daemon.mirror.MirrorFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.VolumeException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * resynclp/lv/pv over real PV files: without force only the stale copies are rewritten (the good leg sees no
 * write), with force every copy but one, and a leg failing during the resync gives NOTSYNCED with the copies left
 * stale.
 */
class ResyncTest {
    @TempDir
    Path root;
    private MirrorFixture f;
    private byte[] data;
    private String leg0;
    private String leg1;

    @BeforeEach
    void setUp() throws Exception {
        f = new MirrorFixture(root);
        f.mirror(8, 2);
        data = pattern(1, (int) (8 * MIB));
        f.write(0, data);
        leg0 = f.name(f.copies(0).get(0));
        leg1 = f.name(f.copies(0).get(1));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    /** Makes leg 1's copies of LEs 5..6 stale with writes it fails; they stay stale until a resync. */
    private void staleLeg1() throws Exception {
        f.faulty.get(leg1).failWrites();
        byte[] changed = pattern(2, (int) (2 * MIB));
        f.write(5 * MIB, changed);
        System.arraycopy(changed, 0, data, (int) (5 * MIB), changed.length);
        f.faulty.get(leg1).heal();
        assertThat(MirrorLayout.staleExtents(f.lv(), 1)).isEqualTo(2);
    }

    private void assertCopiesHoldTheData() throws Exception {
        assertThat(f.read(0, data.length)).isEqualTo(data);
        for (long le = 0; le < 8; le++) {
            for (Area a : f.copies(le)) {
                assertThat(f.copyBytes(a)).as("LE %d on %s", le, f.name(a))
                        .isEqualTo(java.util.Arrays.copyOfRange(data, (int) (le * MIB), (int) ((le + 1) * MIB)));
            }
        }
    }

    @Test
    void withoutForceOnlyTheStaleCopiesAreRewritten() throws Exception {
        staleLeg1();
        long goodWrites = f.dataWrites.get(leg0).get();

        ResyncResult result = f.mirrors.resynclv("vg", "m", false);

        assertThat(result.outcome()).isEqualTo("SUCCESS");
        assertThat(result.copies()).isEqualTo(2);
        assertThat(result.extents()).isEqualTo(2);
        assertThat(result.lvs()).containsExactly("m");
        assertThat(result.pvs()).containsExactly(leg1);
        assertThat(f.dataWrites.get(leg0).get()).as("writes on the good leg").isEqualTo(goodWrites);
        assertThat(MirrorLayout.staleCopies(f.lv())).isZero();
        assertCopiesHoldTheData();
    }

    @Test
    void nothingStaleRewritesNothing() throws Exception {
        long writes = f.dataWrites.get(leg1).get();

        ResyncResult result = f.mirrors.resynclp("vg", "m", 3, false);

        assertThat(result.copies()).isZero();
        assertThat(result.lvs()).isEmpty();
        assertThat(f.dataWrites.get(leg1).get()).isEqualTo(writes);
    }

    @Test
    void withForceEveryCopyButOneIsRewritten() throws Exception {
        long goodWrites = f.dataWrites.get(leg0).get();
        long otherWrites = f.dataWrites.get(leg1).get();

        ResyncResult result = f.mirrors.resyncpv("vg", leg1, true);

        assertThat(result.outcome()).isEqualTo("SUCCESS");
        assertThat(result.extents()).isEqualTo(8);
        assertThat(result.copies()).isEqualTo(8);
        assertThat(result.pvs()).containsExactly(leg1);
        assertThat(f.dataWrites.get(leg0).get()).as("writes on the source copy").isEqualTo(goodWrites);
        assertThat(f.dataWrites.get(leg1).get() - otherWrites).as("writes on the other copy").isPositive();
        assertThat(MirrorLayout.staleCopies(f.lv())).isZero();
        assertCopiesHoldTheData();
    }

    @Test
    void aLegFailingDuringTheResyncGivesNotsynced() throws Exception {
        f.faulty.get(leg1).failWrites();

        assertThatThrownBy(() -> f.mirrors.resynclp("vg", "m", 4, true))
                .isInstanceOfSatisfying(VolumeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOTSYNCED);
                    assertThat(e.getMessage()).contains("m LE 4 (copy 1)");
                });

        assertThat(f.copies(4).get(1).stale()).isTrue();
        assertThat(f.copies(4).get(0).stale()).isFalse();
        assertThat(f.read(0, data.length)).isEqualTo(data);
    }

    @Test
    void refusals() {
        assertThatThrownBy(() -> f.mirrors.resynclp("vg", "m", 8, false)).hasMessageContaining("has no LE 8");
        assertThatThrownBy(() -> f.mirrors.resynclv("vg", "nope", false))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> f.mirrors.resyncpv("gone", leg0, false))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OFFLINE));
    }
}
