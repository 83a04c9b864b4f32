package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.testing.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * pvcreate never destroys data it was not told to: signatures made by the real tools (mkfs.ext4, mkswap) and
 * written by hand (the others), any non-zero byte, a file it would grow, a symbolic link and a file another process
 * holds open are refused without force, naming what was found, with the file and the known PVs unchanged; a URI is
 * refused, not taken for a relative path.
 */
class PvcreateSafetyTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private VolumeManager open() throws IOException {
        return VolumeManager.open(dir.resolve("data"));
    }

    private Path zeroFile(String name, long size) throws IOException {
        Path f = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
        }
        return f;
    }

    private static String sha256(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Refused with {@code code} and a message containing {@code found}; the file and the PV list unchanged. */
    private void assertRefused(VolumeManager vm, Path f, Long size, ErrorCode code, String found) throws IOException {
        String before = sha256(f);
        long length = Files.size(f);
        assertThatThrownBy(() -> vm.pvcreate(f.toString(), size, false)).isInstanceOf(VolumeException.class)
                .satisfies(e -> assertThat(((VolumeException) e).code()).isEqualTo(code))
                .hasMessageContaining(found);
        assertThat(sha256(f)).as("contents of %s", f).isEqualTo(before);
        assertThat(Files.size(f)).isEqualTo(length);
        assertThat(vm.physicalVolumes()).isEmpty();
    }

    @Test
    void refusesAnExt4FileSystemAndLeavesItClean() throws Exception {
        ExternalTool.assumeInstalled("e2fsprogs", "mkfs.ext4", "e2fsck");
        Path image = zeroFile("ext4.img", 16 * MIB);
        ExternalTool.run(Duration.ofSeconds(60), "mkfs.ext4", "-q", "-F", image.toString()).assertSuccess();
        try (VolumeManager vm = open()) {
            assertRefused(vm, image, null, ErrorCode.DEVICE_HAS_DATA, "holds an ext4 file system at offset 1080");
            assertRefused(vm, image, 64 * MIB, ErrorCode.DEVICE_HAS_DATA, "an ext4 file system");
        }
        ExternalTool.run(Duration.ofSeconds(60), "e2fsck", "-fn", image.toString()).assertSuccess();
    }

    @Test
    void refusesASwapArea() throws Exception {
        ExternalTool.assumeInstalled("util-linux", "mkswap");
        Path swap = zeroFile("swap.img", 8 * MIB);
        ExternalTool.run(Duration.ofSeconds(60), "mkswap", swap.toString()).assertSuccess();
        try (VolumeManager vm = open()) {
            assertRefused(vm, swap, null, ErrorCode.DEVICE_HAS_DATA, "a swap area at offset 4086");
        }
    }

    @ParameterizedTest
    @CsvSource({
        "LABELONE, 512, an LVM2 PV label at offset 512",
        "XFSB, 0, an XFS file system at offset 0",
        "_BHRfS_M, 65600, a Btrfs file system at offset 65600",
        "EFI PART, 512, a GPT partition table at offset 512",
    })
    void refusesSignaturesWrittenByHand(String magic, long offset, String found) throws Exception {
        Path f = zeroFile("signed.img", 8 * MIB);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(offset);
            raf.write(magic.getBytes(StandardCharsets.US_ASCII));
        }
        try (VolumeManager vm = open()) {
            assertRefused(vm, f, null, ErrorCode.DEVICE_HAS_DATA, found);
        }
    }

    @Test
    void refusesAnMbrAndAnyNonZeroByteNamingWhere() throws Exception {
        Path mbr = zeroFile("mbr.img", 8 * MIB);
        Path data = zeroFile("data.img", 8 * MIB);
        try (RandomAccessFile raf = new RandomAccessFile(mbr.toFile(), "rw")) {
            raf.seek(510);
            raf.write(new byte[] {0x55, (byte) 0xAA});
        }
        try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "rw")) {
            raf.seek(MIB - 1);
            raf.write(7);
        }
        try (VolumeManager vm = open()) {
            assertRefused(vm, mbr, null, ErrorCode.DEVICE_HAS_DATA, "an MBR partition table or boot sector at offset 510");
            assertRefused(vm, data, null, ErrorCode.DEVICE_HAS_DATA, "data (a non-zero byte) at offset " + (MIB - 1));
        }
    }

    @Test
    void neverGrowsADataFileNorTheTargetOfASymbolicLink() throws Exception {
        Path data = dir.resolve("data.bin");
        byte[] random = new byte[(int) (3 * MIB)];
        new Random(42).nextBytes(random);
        Files.write(data, random);
        Path link = Files.createSymbolicLink(dir.resolve("link"), data);
        Path zeros = zeroFile("zeros.img", 8 * MIB);
        try (VolumeManager vm = open()) {
            assertRefused(vm, data, 64 * MIB, ErrorCode.DEVICE_HAS_DATA, "data (a non-zero byte) at offset 0");
            assertRefused(vm, link, 64 * MIB, ErrorCode.DEVICE_HAS_DATA, "(a symbolic link to " + data + ")");
            assertRefused(vm, zeros, 64 * MIB, ErrorCode.INVALID_ARGUMENT,
                    "has 8388608 bytes; pvcreate does not grow an existing file to 67108864 bytes unless forced");
            assertThat(vm.pvcreate(zeros.toString(), 64 * MIB, true).deviceSize()).isEqualTo(64 * MIB);
            assertThat(Files.size(zeros)).isEqualTo(64 * MIB);
        }
    }

    @Test
    void labelsAnAllZeroFileAnEmptyOneGivenASizeAndAnythingWhenForced() throws Exception {
        Path zeros = zeroFile("zeros.img", 8 * MIB);
        Path empty = Files.createFile(dir.resolve("empty.img"));
        Path data = dir.resolve("data.bin");
        Files.write(data, new byte[] {1, 2, 3});
        try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "rw")) {
            raf.setLength(8 * MIB);
        }
        try (VolumeManager vm = open()) {
            assertThat(vm.pvcreate(zeros.toString(), null, false).deviceSize()).isEqualTo(8 * MIB);
            assertThat(vm.pvcreate(empty.toString(), 8 * MIB, false).deviceSize()).isEqualTo(8 * MIB);
            assertThat(vm.pvcreate(data.toString(), null, true).deviceSize()).isEqualTo(8 * MIB);
            assertThat(vm.physicalVolumes()).hasSize(3);
        }
    }

    @Test
    void takesAnNbdUriForARemotePvNotForARelativePath() throws Exception {
        try (VolumeManager vm = open()) {
            assertThatThrownBy(() -> vm.pvcreate("nbd://127.0.0.1:10809/vg0/lv", 64 * MIB, false))
                    .isInstanceOf(VolumeException.class)
                    .hasMessage("pvcreate nbd://127.0.0.1:10809/vg0/lv failed: remote PV nbd://127.0.0.1:10809/vg0/lv "
                            + "cannot be opened: this daemon part opens local files only");
            assertThatThrownBy(() -> vm.pvcreate("nbd://127.0.0.1:0/vg0/lv", null, false))
                    .hasMessage("Physical volume nbd://127.0.0.1:0/vg0/lv is no valid remote PV URI: URI "
                            + "'nbd://127.0.0.1:0/vg0/lv': port 0 is out of range 1-65535");
            assertThatThrownBy(() -> vm.pvcreate("nbds://127.0.0.1/lv", null, false))
                    .hasMessage("Physical volume nbds://127.0.0.1/lv is no valid remote PV URI: URI "
                            + "'nbds://127.0.0.1/lv' names no TLS certificates directory: tls-certificates=PATH");
            assertThat(Path.of("nbd:")).doesNotExist();
            assertThat(vm.physicalVolumes()).isEmpty();
        }
    }

    @Test
    void refusesAFileAnotherProcessHoldsOpenNamingIt() throws Exception {
        Path busy = zeroFile("busy.img", 8 * MIB);
        Process holder = new ProcessBuilder("sleep", "600").redirectInput(busy.toFile()).start();
        try (VolumeManager vm = open()) {
            assertRefused(vm, busy, null, ErrorCode.DEVICE_IN_USE, "is open in process(es) [" + holder.pid() + "]");
            assertThat(vm.pvcreate(busy.toString(), null, true).deviceSize()).isEqualTo(8 * MIB);
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
