package dev.ferry.mapper.mirror;

import static dev.ferry.mapper.testing.Bytes.get;
import static dev.ferry.mapper.testing.Bytes.join;
import static dev.ferry.mapper.testing.Bytes.put;
import static dev.ferry.mapper.testing.Bytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.testing.FaultyDevice;
import java.util.BitSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DiskRegionLogTest {

    private static final int REGION = 64 * 1024;
    private static final int SIZE = 8 * REGION;
    private static final String TABLE = "disk 2 log 128 2 a 0 b 0";

    private final MemoryBlockDevice a = new MemoryBlockDevice("a", SIZE);
    private final MemoryBlockDevice b = new MemoryBlockDevice("b", SIZE);
    private final MemoryBlockDevice logDev = new MemoryBlockDevice("log", 64 * 1024);

    private MirrorTarget open(MirrorFixture fx) {
        fx.add("a", a).add("b", b).add("log", logDev);
        return fx.create(1024, TABLE, 2);
    }

    @Test
    void progressSurvivesCloseAndReopen() {
        put(a, 0, random(1, SIZE));
        MirrorTarget m = open(new MirrorFixture());
        assertThat(m.status()).isEqualTo("2 a b 0/8 1 AA 3 disk log A");
        assertThat(m.params()).isEqualTo("disk 2 log 128 2 a 0 b 0");
        m.resume();
        join(m.recoveryFinished());
        join(m.postsuspend());
        m.close();

        FaultyDevice countingA = new FaultyDevice(a);
        MirrorFixture fx2 = new MirrorFixture();
        fx2.add("a", countingA).add("b", b).add("log", logDev);
        MirrorTarget again = fx2.create(1024, TABLE, 2);
        assertThat(again.status()).isEqualTo("2 a b 8/8 1 AA 3 disk log A");
        again.resume();
        assertThat(join(again.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        assertThat(countingA.reads()).isZero();   // nothing recopied
    }

    @Test
    void regionsDirtyAtACrashAreResyncedFromTheDefaultLeg() {
        MirrorTarget m = open(new MirrorFixture());
        m.resume();
        join(m.recoveryFinished());
        byte[] settled = random(2, 4096);
        put(m, 0, settled);
        join(m.flush());                 // region 0 settles and is marked clean lazily ...
        byte[] data = random(3, 4096);
        put(m, 3 * REGION, data);        // ... region 3 is dirty, durably, before its write
        join(m.log().flush());           // the lazy clean of region 0 reaches the log too
        assertThat(m.regionState(3)).isEqualTo(RegionState.DIRTY);
        // crash: no suspend; leg b lost the last write (it never reached its medium)
        put(b, 3 * REGION, new byte[4096]);

        MirrorFixture fx2 = new MirrorFixture();
        MirrorTarget after = open(fx2);
        assertThat(after.regionState(3)).isEqualTo(RegionState.NOSYNC);
        assertThat(after.regionState(0)).isEqualTo(RegionState.CLEAN);
        assertThat(after.regionsInSync()).isEqualTo(7);
        after.resume();
        join(after.recoveryFinished());
        assertThat(fx2.synced).containsExactly(3);
        assertThat(get(b, 3 * REGION, 4096)).isEqualTo(data);
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
    }

    @Test
    void tornLatestSlotFallsBackToThePreviousImageAndBothTornIsAnError() {
        MirrorTarget m = open(new MirrorFixture());
        m.resume();
        join(m.recoveryFinished());      // recovery may record every region in one image (one batch)
        put(m, 0, random(31, 4096));      // so a dirty mark writes a second image, the suspend a third
        join(m.postsuspend());
        int slot = DiskLogFormat.slotSize(8);
        // the last image went to slot (seq % 2); tear it
        byte[] s0 = get(logDev, 0, slot);
        byte[] s1 = get(logDev, slot, slot);
        long seq0 = DiskLogFormat.decode(java.nio.ByteBuffer.wrap(s0), "s0").image().sequence();
        long seq1 = DiskLogFormat.decode(java.nio.ByteBuffer.wrap(s1), "s1").image().sequence();
        int latest = seq0 > seq1 ? 0 : 1;
        put(logDev, (long) latest * slot + DiskLogFormat.HEADER_LENGTH, new byte[] {(byte) 0x5a});
        MirrorTarget reopened = open(new MirrorFixture());   // the older image: a few regions fewer in sync
        assertThat(reopened.regionsInSync()).isBetween(1, 8);
        put(logDev, (long) (1 - latest) * slot + DiskLogFormat.HEADER_LENGTH, new byte[] {(byte) 0x5a});
        assertThatThrownBy(() -> open(new MirrorFixture())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("corrupt");
    }

    @Test
    void aLogOfAnotherRegionCountKeepsTheRegionsBothCountsHave() {
        MirrorTarget m = open(new MirrorFixture());
        m.resume();
        join(m.recoveryFinished());
        join(m.postsuspend());                           // 8 regions in sync
        MemoryBlockDevice big = new MemoryBlockDevice("big", 2 * SIZE);
        MirrorFixture grown = new MirrorFixture();
        grown.add("a", big).add("b", big).add("log", logDev);
        MirrorTarget extended = grown.create(2048, TABLE, 1);   // extended to 16 regions
        assertThat(IntStream.range(0, 16).mapToObj(extended::regionState)).containsExactlyElementsOf(
                IntStream.range(0, 16).mapToObj(r -> r < 8 ? RegionState.CLEAN : RegionState.NOSYNC).toList());
        assertThat(grown.create(2048, "disk 3 log 128 nosync 2 a 0 b 0", 1).regionsInSync()).isEqualTo(16);
        MirrorFixture shrunk = new MirrorFixture();
        shrunk.add("a", a).add("b", b).add("log", logDev);
        assertThat(shrunk.create(512, TABLE, 1).regionsInSync()).isEqualTo(4);   // reduced to 4 regions
    }

    @Test
    void aResizeThatChangesTheSlotSizeFindsTheLatestImage() {
        int small = 20_000;                              // 2 500 bitmap bytes: 8 KiB slots
        int large = 40_000;                              // 5 000 bitmap bytes: 12 KiB slots
        MemoryBlockDevice dev = new MemoryBlockDevice("log", DiskRegionLog.deviceBytes(large));
        DiskRegionLog first = join(DiskRegionLog.open(dev, "log", 512, small, SyncMode.NOSYNC));
        first.setInSync(5, false);
        join(first.flush());                             // sequence 1, slot 1 at 8 KiB
        BitSet expected = new BitSet();
        expected.set(0, small);
        expected.clear(5);
        DiskRegionLog grown = join(DiskRegionLog.open(dev, "log", 512, large, SyncMode.DEFAULT));
        assertThat(inSync(grown)).isEqualTo(expected);
        grown.setInSync(7, false);
        join(grown.flush());                             // sequence 2, slot 0 (12 KiB)
        grown.setInSync(8, false);
        join(grown.flush());                             // sequence 3, slot 1 at 12 KiB; the old one at 8 KiB is stale
        expected.clear(7, 9);
        assertThat(inSync(join(DiskRegionLog.open(dev, "log", 512, large, SyncMode.DEFAULT)))).isEqualTo(expected);
        assertThat(inSync(join(DiskRegionLog.open(dev, "log", 512, small, SyncMode.DEFAULT)))).isEqualTo(expected);
    }

    private static BitSet inSync(RegionLog log) {
        BitSet s = new BitSet();
        IntStream.range(0, log.regionCount()).filter(log::inSync).forEach(s::set);
        return s;
    }

    @Test
    void regionSizeMismatchIsRefused() {
        open(new MirrorFixture());
        MirrorFixture fx = new MirrorFixture();
        fx.add("a", a).add("b", b).add("log", logDev);
        join(logDev.flush());
        MirrorTarget m = fx.create(1024, TABLE, 1);
        join(m.postsuspend());
        assertThatThrownBy(() -> fx.create(1024, "disk 2 log 64 2 a 0 b 0", 1))
                .hasMessageContaining("was written for 8 regions of 65536 bytes, not 16 of 32768");
    }

    @Test
    void logWriteFailureFailsWritesToInSyncRegionsAndShowsInStatus() {
        FaultyDevice flog = new FaultyDevice(logDev);
        MirrorFixture fx = new MirrorFixture();
        fx.add("a", a).add("b", b).add("log", flog);
        MirrorTarget m = fx.create(1024, "disk 3 log 128 nosync 2 a 0 b 0", 1);
        flog.failWrites();
        assertThatThrownBy(() -> m.write(0, java.nio.ByteBuffer.allocate(512), false).get())
                .cause().hasMessageContaining("mirror log write to log failed");
        assertThat(m.status()).isEqualTo("2 a b 8/8 1 AA 3 disk log D");
    }
}
