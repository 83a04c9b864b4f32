package dev.ferry.daemon.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PvDiskTest {
    private static final long SIZE = 8L << 20;
    @TempDir
    Path dir;

    private Path file(String name) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(SIZE);
        }
        return p;
    }

    private PvDisk format(Path p) throws IOException {
        return PvDisk.format(p, FileMetadataDevice.open(p), PvLabel.withDefaults(UUID.randomUUID(), SIZE));
    }

    private PvDisk reread(Path p) throws IOException {
        return PvDisk.read(p, FileMetadataDevice.open(p)).orElseThrow();
    }

    @Test
    void labelRoundTripsAndUnlabelledDeviceIsNotAPv() throws IOException {
        Path p = file("a");
        try (MetadataDevice d = FileMetadataDevice.open(p)) {
            assertThat(PvDisk.read(p, d)).isEmpty();
        }
        PvDisk disk = format(p);
        disk.close();
        try (PvDisk again = reread(p)) {
            assertThat(again.label()).isEqualTo(disk.label());
            assertThat(again.slots()).allMatch(s -> s.state() == SlotContent.State.EMPTY);
            assertThat(again.label().peStart()).isEqualTo(1 << 20);
        }
    }

    @Test
    void damagedLabelIsReportedNotIgnored() throws IOException {
        Path p = file("a");
        format(p).close();
        FaultPlan.flipBytes(p, 30, 1);
        try (MetadataDevice d = FileMetadataDevice.open(p)) {
            assertThatThrownBy(() -> PvDisk.read(p, d)).isInstanceOf(MetadataFormatException.class)
                    .hasMessageContaining("checksum");
        }
    }

    @Test
    void labelGeometryIsValidated() {
        assertThatThrownBy(() -> new PvLabel(UUID.randomUUID(), 1 << 19, 4096, 256 * 1024, 2, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PvLabel(UUID.randomUUID(), SIZE, 4096, 1 << 20, 2, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aGeometryWhoseMetadataAreaOverflowsIsRefused() {
        assertThatThrownBy(() -> new PvLabel(UUID.randomUUID(), Long.MAX_VALUE, 4096, 1L << 62, 4, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflow");
    }

    /** A label may claim any device size; slots are only read, and their buffers sized, inside the real device. */
    @Test
    void aLabelWhoseMetadataAreaLiesPastTheEndOfTheDeviceIsDamaged() throws IOException {
        Path p = dir.resolve("small");
        PvLabel claim = new PvLabel(UUID.randomUUID(), 1L << 40, 4096, 1L << 30, 1000, 1L << 40);
        Files.write(p, Arrays.copyOf(claim.encode().array(), 64 * 1024));
        try (MetadataDevice d = FileMetadataDevice.open(p)) {
            assertThatThrownBy(() -> PvDisk.read(p, d)).isInstanceOf(MetadataFormatException.class)
                    .hasMessageContaining("past the end of the device (65536 bytes)");
        }
    }

    @Test
    void commitsAlternateSlotsAndKeepThePreviousCopy() throws IOException {
        Path p = file("a");
        UUID vg = UUID.randomUUID();
        try (PvDisk disk = format(p)) {
            for (long seq = 1; seq <= 5; seq++) {
                VgMetadataStore.commit(List.of(disk), vg, seq, doc(seq));
            }
        }
        try (PvDisk disk = reread(p)) {
            assertThat(disk.slots()).extracting(SlotContent::seqno).containsExactlyInAnyOrder(4L, 5L);
            assertThat(disk.newest().orElseThrow().document()).isEqualTo(doc(5));
        }
    }

    @Test
    void tornOrRottenSlotIsCorruptAndTheOtherCopyWins() throws IOException {
        Path p = file("a");
        UUID vg = UUID.randomUUID();
        try (PvDisk disk = format(p)) {
            VgMetadataStore.commit(List.of(disk), vg, 1, doc(1));
            VgMetadataStore.commit(List.of(disk), vg, 2, doc(2));
        }
        int slotOf2;
        try (PvDisk disk = reread(p)) {
            slotOf2 = disk.newest().orElseThrow().index();
            FaultPlan.flipBytes(p, disk.label().slotOffset(slotOf2) + SlotHeader.SIZE + 3, 1);
        }
        try (PvDisk disk = reread(p)) {
            assertThat(disk.slots().get(slotOf2).state()).isEqualTo(SlotContent.State.CORRUPT);
            assertThat(disk.slots().get(slotOf2).defect()).contains("document checksum");
            Map<UUID, VgCopy> newest = VgMetadataStore.newestCopies(List.of(disk));
            assertThat(newest.get(vg).seqno()).isEqualTo(1);
            assertThat(disk.slotForNextCommit(vg)).isEqualTo(slotOf2);
            assertThat(VgMetadataStore.repair(disk, newest.get(vg))).isTrue();
        }
        try (PvDisk disk = reread(p)) {
            assertThat(disk.slots()).allMatch(s -> s.state() == SlotContent.State.VALID && s.seqno() == 1);
        }
    }

    @Test
    void tornWriteAtEveryLengthIsNeverMistakenForTheNewDocument() throws IOException {
        Path p = file("a");
        UUID vg = UUID.randomUUID();
        try (PvDisk disk = format(p)) {
            VgMetadataStore.commit(List.of(disk), vg, 1, doc(1));
            VgMetadataStore.commit(List.of(disk), vg, 2, doc(2));
        }
        int total = SlotHeader.SIZE + doc(3).length;
        for (int tear = 0; tear < total; tear += 7) {
            FaultPlan plan = new FaultPlan(0, tear);
            try (PvDisk disk = PvDisk.read(p, plan.opener().open(p)).orElseThrow()) {
                assertThatThrownBy(() -> VgMetadataStore.commit(List.of(disk), vg, 3, doc(3)))
                        .isInstanceOf(IOException.class);
            }
            try (PvDisk disk = reread(p)) {
                VgCopy newest = VgMetadataStore.newestCopies(List.of(disk)).get(vg);
                assertThat(newest.seqno()).as("tear at %d", tear).isEqualTo(2);
                assertThat(newest.document()).isEqualTo(doc(2));
            }
        }
    }

    @Test
    void releaseCrashNeverResurrectsAnOlderCopy() throws IOException {
        UUID vg = UUID.randomUUID();
        for (int crashAt = 0; crashAt <= 6; crashAt++) {
            Path a = file("a" + crashAt);
            Path b = file("b" + crashAt);
            try (PvDisk da = format(a); PvDisk db = format(b)) {
                for (long seq = 1; seq <= 3; seq++) {
                    VgMetadataStore.commit(List.of(da, db), vg, seq, doc(seq));
                }
            }
            FaultPlan plan = new FaultPlan(crashAt, 0);
            List<PvDisk> disks = List.of(PvDisk.read(a, plan.opener().open(a)).orElseThrow(),
                    PvDisk.read(b, plan.opener().open(b)).orElseThrow());
            try {
                VgMetadataStore.release(disks, vg);
            } catch (IOException expected) {
                // crashed
            }
            for (PvDisk d : disks) {
                d.close();
            }
            try (PvDisk da = reread(a); PvDisk db = reread(b)) {
                VgCopy newest = VgMetadataStore.newestCopies(List.of(da, db)).get(vg);
                if (newest != null) {
                    assertThat(newest.seqno()).as("crash after %d writes", crashAt).isEqualTo(3);
                } else {
                    assertThat(plan.crashed()).as("released only when all writes happened").isFalse();
                }
            }
        }
    }

    private static byte[] doc(long seq) {
        return ("{\"seqno\":" + seq + ",\"pad\":\"" + "x".repeat((int) (seq * 13)) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void oversizedDocumentIsRefusedBeforeWriting() throws IOException {
        Path p = file("a");
        try (PvDisk disk = format(p)) {
            byte[] huge = new byte[disk.capacity() + 1];
            assertThatThrownBy(() -> disk.writeSlot(0, 1, UUID.randomUUID(), huge)).isInstanceOf(IOException.class)
                    .hasMessageContaining("capacity");
            assertThat(disk.slots().get(0).state()).isEqualTo(SlotContent.State.EMPTY);
        }
    }
}
