package dev.ferry.daemon.model;

import static dev.ferry.daemon.model.VolumeFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.FaultPlan;
import dev.ferry.daemon.metadata.FileMetadataDevice;
import dev.ferry.daemon.metadata.MetadataDevice;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.metadata.SlotHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged, stale and missing copies found at open are detected and repaired. */
class RecoveryTest {
    @TempDir
    Path tmp;
    private VolumeFixture fx;

    @BeforeEach
    void setUp() throws IOException {
        fx = new VolumeFixture(tmp);
        try (VolumeManager vm = fx.open()) {
            vm.pvcreate(fx.pv("a"), 33 * MIB, false);
            vm.pvcreate(fx.pv("b"), 33 * MIB, false);
            vm.vgcreate("vg", List.of(fx.pv("a"), fx.pv("b")), MIB);
            vm.lvcreate(LvCreateRequest.linear("vg", "lv", SizeSpec.parseExtents("3")));
        }
    }

    private static byte[] head(Path file) throws IOException {
        byte[] bytes = new byte[(int) PvLabel.DEFAULT_PE_START];
        try (var in = Files.newInputStream(file)) {
            in.readNBytes(bytes, 0, bytes.length);
        }
        return bytes;
    }

    private static void restoreHead(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), 0);
        }
    }

    @Test
    void corruptSlotIsDetectedAndRewritten() throws IOException {
        String state;
        try (VolumeManager vm = fx.open()) {
            state = VolumeFixture.state(vm);
        }
        for (int slot = 0; slot < 2; slot++) {
            FaultPlan.flipBytes(Path.of(fx.pv("a")), PvLabel.DEFAULT_MDA_OFFSET + slot * PvLabel.DEFAULT_SLOT_SIZE
                    + SlotHeader.SIZE + 10, 4);
            try (VolumeManager vm = fx.open()) {
                assertThat(VolumeFixture.state(vm)).isEqualTo(state);
                assertThat(vm.recoveryLog()).singleElement().asString().contains("repaired").contains(fx.pv("a"));
            }
            try (VolumeManager vm = fx.open()) {
                assertThat(vm.recoveryLog()).isEmpty();
            }
        }
    }

    @Test
    void stalePvCopyIsRewrittenWithTheNewest() throws IOException {
        byte[] oldB = head(Path.of(fx.pv("b")));
        try (VolumeManager vm = fx.open()) {
            vm.lvcreate(LvCreateRequest.linear("vg", "later", SizeSpec.parseExtents("2")));
            vm.lvextend(LvResizeRequest.of("vg", "lv", SizeSpec.parseExtents("+1")));
        }
        restoreHead(Path.of(fx.pv("b")), oldB);
        try (VolumeManager vm = fx.open()) {
            VolumeGroup vg = vm.volumeGroup("vg").orElseThrow();
            assertThat(vg.seqno()).isEqualTo(4);
            assertThat(vg.lv("later")).isPresent();
            assertThat(vm.recoveryLog()).singleElement().asString().contains(fx.pv("b"));
        }
        Path a = Path.of(fx.pv("a"));
        Files.move(a, tmp.resolve("a.away"));
        try (VolumeManager vm = fx.open()) {
            assertThat(vm.volumeGroup("vg").orElseThrow().seqno()).as("b alone now holds the newest").isEqualTo(4);
        }
        Files.move(tmp.resolve("a.away"), a);
    }

    /** A device whose writes fail while {@code failing} is set (a dying disk), reads and syncs still work. */
    private record FailingWrites(MetadataDevice inner, AtomicBoolean failing) implements MetadataDevice {
        @Override
        public long size() throws IOException {
            return inner.size();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            inner.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            if (failing.get()) {
                throw new IOException("injected EIO writing at " + offset);
            }
            inner.write(offset, src);
        }

        @Override
        public void sync() throws IOException {
            inner.sync();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    @Test
    void aCommitFailingOnOnePvKeepsTheVgListedFromItsNewestCopy() throws IOException {
        AtomicBoolean failB = new AtomicBoolean();
        DeviceOpener opener = path -> {
            MetadataDevice d = FileMetadataDevice.open(path);
            return path.toString().equals(fx.pv("b")) ? new FailingWrites(d, failB) : d;
        };
        String committed;
        try (VolumeManager vm = fx.open(opener)) {
            failB.set(true);
            // b (the second of two PVs, one copy of three) is lost; a's two copies are a quorum: the commit holds
            vm.lvcreate(LvCreateRequest.linear("vg", "later", SizeSpec.parseExtents("2")));
            assertThat(vm.physicalVolumes()).filteredOn(PvInfo::missing).extracting(PvInfo::path)
                    .containsExactly(fx.pv("b"));
            failB.set(false);
            vm.lvcreate(LvCreateRequest.linear("vg", "after", SizeSpec.parseExtents("1")));   // b stays lost
            committed = VolumeFixture.state(vm);
        }
        try (VolumeManager vm = fx.open()) {   // b writable again: repaired at the next open
            assertThat(VolumeFixture.state(vm)).isEqualTo(committed);
            assertThat(vm.recoveryLog()).anyMatch(l -> l.startsWith("repaired metadata of VG vg")
                    && l.endsWith(fx.pv("b")));
        }
    }

    @Test
    void crashDuringRepairIsItselfSafe() throws IOException {
        byte[] oldB = head(Path.of(fx.pv("b")));
        try (VolumeManager vm = fx.open()) {
            vm.lvcreate(LvCreateRequest.linear("vg", "later", SizeSpec.parseExtents("2")));
        }
        byte[] newA = head(Path.of(fx.pv("a")));
        restoreHead(Path.of(fx.pv("b")), oldB);
        FaultPlan counting = FaultPlan.counting();
        String expected;
        try (VolumeManager vm = fx.open(counting.opener())) {
            expected = VolumeFixture.state(vm);
        }
        assertThat(counting.writes()).as("repair writes").isPositive();
        for (long n = 0; n < counting.writes(); n++) {
            for (int tear : new int[] {0, 100}) {
                restoreHead(Path.of(fx.pv("a")), newA);
                restoreHead(Path.of(fx.pv("b")), oldB);
                FaultPlan plan = new FaultPlan(n, tear);
                assertThatThrownBy(() -> fx.open(plan.opener()).close()).isInstanceOf(IOException.class);
                try (VolumeManager vm = fx.open()) {
                    assertThat(VolumeFixture.state(vm)).as("crash %d tear %d", n, tear).isEqualTo(expected);
                }
                try (VolumeManager vm = fx.open()) {
                    assertThat(vm.recoveryLog()).isEmpty();
                }
            }
        }
    }

    @Test
    void missingPvLeavesTheVgUsableAndIsRepairedWhenBack() throws IOException {
        Path b = Path.of(fx.pv("b"));
        Files.move(b, tmp.resolve("b.away"));
        try (VolumeManager vm = fx.open()) {
            assertThat(vm.physicalVolumes()).filteredOn(PvInfo::missing).extracting(PvInfo::path)
                    .containsExactly(fx.pv("b"));
            vm.lvcreate(LvCreateRequest.linear("vg", "while", SizeSpec.parseExtents("2")));
            VolumeGroup vg = vm.volumeGroup("vg").orElseThrow();
            assertThat(VolumeFixture.freePerPv(vg).get(fx.pv("b"))).as("nothing allocated on a missing PV")
                    .isEqualTo(32);
            assertThatThrownBy(() -> vm.pvcreate(fx.pv("b"), 33 * MIB, true))
                    .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code())
                            .isEqualTo(ErrorCode.PV_IN_USE));
            assertThat(Files.exists(b)).as("no file created over a missing member").isFalse();
        }
        Files.move(tmp.resolve("b.away"), b);
        try (VolumeManager vm = fx.open()) {
            assertThat(vm.volumeGroup("vg").orElseThrow().lv("while")).isPresent();
            assertThat(vm.recoveryLog()).singleElement().asString().contains(fx.pv("b"));
        }
    }

    @Test
    void orphanWithLeftoverMetadataIsCleared() throws IOException {
        byte[] memberB = head(Path.of(fx.pv("b")));
        try (VolumeManager vm = fx.open()) {
            vm.vgreduce("vg", List.of(fx.pv("b")));
        }
        restoreHead(Path.of(fx.pv("b")), memberB);
        try (VolumeManager vm = fx.open()) {
            Map<String, Long> free = VolumeFixture.freePerPv(vm.volumeGroup("vg").orElseThrow());
            assertThat(free).containsOnlyKeys(fx.pv("a"));
            assertThat(vm.recoveryLog()).singleElement().asString().contains("orphan").contains(fx.pv("b"));
            vm.vgcreate("vg2", List.of(fx.pv("b")), null);
        }
    }

    @Test
    void checksummedButInvalidDocumentFallsBackToTheNewestValidCopy() throws IOException {
        VolumeGroup good;
        try (VolumeManager vm = fx.open()) {
            good = vm.volumeGroup("vg").orElseThrow();
        }
        LogicalVolume lv = good.lv("lv").orElseThrow();
        VolumeGroup bad = good.withLvAdded(lv.withName("clash").withSegments(lv.segments())).withSeqno(10);
        List<dev.ferry.daemon.metadata.PvDisk> disks = new java.util.ArrayList<>();
        for (String n : List.of("a", "b")) {
            Path p = Path.of(fx.pv(n));
            disks.add(dev.ferry.daemon.metadata.PvDisk.read(p, dev.ferry.daemon.metadata.FileMetadataDevice.open(p))
                    .orElseThrow());
        }
        dev.ferry.daemon.metadata.VgMetadataStore.commit(disks, bad.uuid(), 10, VgDocumentCodec.encode(bad));
        for (var d : disks) {
            d.close();
        }
        try (VolumeManager vm = fx.open()) {
            VolumeGroup vg = vm.volumeGroup("vg").orElseThrow();
            assertThat(vg.seqno()).isEqualTo(11);
            assertThat(vg.withSeqno(good.seqno())).isEqualTo(good);
            assertThat(vm.recoveryLog()).singleElement().asString().contains("invalid");
        }
        try (VolumeManager vm = fx.open()) {
            assertThat(vm.volumeGroup("vg").orElseThrow().seqno()).isEqualTo(11);
            assertThat(vm.recoveryLog()).isEmpty();
        }
    }

    @Test
    void unlabelledKnownPathIsForgotten() throws IOException {
        try (VolumeManager vm = fx.open()) {
            vm.pvcreate(fx.pv("c"), 8 * MIB, false);
        }
        restoreHead(Path.of(fx.pv("c")), new byte[(int) PvLabel.DEFAULT_PE_START]);
        try (VolumeManager vm = fx.open()) {
            assertThat(vm.physicalVolumes()).extracting(PvInfo::path).doesNotContain(fx.pv("c"));
        }
        assertThat(Files.readString(fx.dataDir.resolve(KnownPvs.FILE_NAME))).doesNotContain(fx.pv("c"));
    }

    @Test
    void missingOrphanCanBeForgottenWithPvremove() throws IOException {
        try (VolumeManager vm = fx.open()) {
            vm.pvcreate(fx.pv("c"), 8 * MIB, false);
        }
        Files.delete(Path.of(fx.pv("c")));
        try (VolumeManager vm = fx.open()) {
            vm.pvremove(fx.pv("c"));
        }
        assertThat(Files.readString(fx.dataDir.resolve(KnownPvs.FILE_NAME))).doesNotContain(fx.pv("c"));
    }
}
