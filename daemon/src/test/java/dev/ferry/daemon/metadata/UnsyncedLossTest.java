package dev.ferry.daemon.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes that lose every write not yet synced (an {@link UnsyncedLossDevice} per PV), so that a missing fsync in
 * the metadata commit or release path fails here: what {@link VgMetadataStore} reported done is on the files after
 * the crash.
 */
class UnsyncedLossTest {
    private static final long SIZE = 8L << 20;
    @TempDir
    Path dir;

    private List<Path> files(int n) throws IOException {
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = dir.resolve("pv" + i);
            try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                raf.setLength(SIZE);
            }
            paths.add(p);
        }
        return paths;
    }

    private static List<PvDisk> open(List<Path> paths, boolean format) throws IOException {
        List<PvDisk> disks = new ArrayList<>();
        for (Path p : paths) {
            MetadataDevice device = new UnsyncedLossDevice(FileMetadataDevice.open(p));
            disks.add(format ? PvDisk.format(p, device, PvLabel.withDefaults(UUID.randomUUID(), SIZE))
                    : PvDisk.read(p, device).orElseThrow());
        }
        return disks;
    }

    /** Closes (the crash: unsynced writes are lost) and rereads the PVs from their files. */
    private static List<PvDisk> crashAndReread(List<PvDisk> disks, List<Path> paths) throws IOException {
        for (PvDisk disk : disks) {
            disk.close();
        }
        List<PvDisk> reread = new ArrayList<>();
        for (Path p : paths) {
            reread.add(PvDisk.read(p, FileMetadataDevice.open(p)).orElseThrow());
        }
        return reread;
    }

    private static byte[] doc(long seqno) {
        return ("{\"seqno\":" + seqno + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aWriteNotSyncedIsLostAtTheCrashAndASyncedOneIsKept() throws IOException {
        Path p = files(1).get(0);
        try (MetadataDevice d = new UnsyncedLossDevice(FileMetadataDevice.open(p))) {
            d.write(0, ByteBuffer.wrap(new byte[] {1, 2}));
            d.sync();
            d.write(4096, ByteBuffer.wrap(new byte[] {3}));
            ByteBuffer seen = ByteBuffer.allocate(1);
            d.read(4096, seen);
            assertThat(seen.array()).as("the device reads its own unsynced write").containsExactly(3);
        }
        try (MetadataDevice d = FileMetadataDevice.open(p)) {
            ByteBuffer synced = ByteBuffer.allocate(2);
            d.read(0, synced);
            ByteBuffer lost = ByteBuffer.allocate(1);
            d.read(4096, lost);
            assertThat(synced.array()).containsExactly(1, 2);
            assertThat(lost.array()).containsExactly(0);
        }
    }

    @Test
    void everyCommitThatReturnedSurvivesTheCrashOnEveryPv() throws IOException {
        List<Path> paths = files(3);
        UUID vg = UUID.randomUUID();
        List<PvDisk> disks = open(paths, true);
        for (long seqno = 1; seqno <= 5; seqno++) {
            VgMetadataStore.commit(disks, vg, seqno, doc(seqno));
            disks = crashAndReread(disks, paths);
            for (PvDisk disk : disks) {
                SlotContent newest = disk.newest().orElseThrow(() -> new AssertionError("no document after the crash"));
                assertThat(newest.seqno()).as("newest copy after the crash following commit %d", seqno)
                        .isEqualTo(seqno);
                assertThat(newest.document()).isEqualTo(doc(seqno));
                disk.close();
            }
            disks = open(paths, false);
        }
        for (PvDisk disk : disks) {
            disk.close();
        }
    }

    @Test
    void aReleaseThatReturnedLeavesNoDocumentAfterTheCrash() throws IOException {
        List<Path> paths = files(2);
        UUID vg = UUID.randomUUID();
        List<PvDisk> disks = open(paths, true);
        VgMetadataStore.commit(disks, vg, 1, doc(1));
        VgMetadataStore.commit(disks, vg, 2, doc(2));
        VgMetadataStore.release(disks, vg);
        for (PvDisk disk : crashAndReread(disks, paths)) {
            assertThat(VgMetadataStore.newestCopies(List.of(disk))).as("%s after the crash", disk).isEmpty();
            disk.close();
        }
    }
}
