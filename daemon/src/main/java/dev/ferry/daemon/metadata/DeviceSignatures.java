package dev.ferry.daemon.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * What a device's first {@value #SCANNED_BYTES} bytes already hold, so that pvcreate overwrites nothing unasked:
 * a known signature (checked in this order) or else the first non-zero byte.
 *
 * <pre>
 *  offset            bytes                         found
 *  0                 "FERRYPV1"                    Ferry PV label
 *  0, 512, 1024, 1536 "LABELONE" (+24 "LVM2 001")  LVM2 PV label
 *  0                 "LUKS" BA BE                  LUKS header
 *  0                 "XFSB"                        XFS file system
 *  65600             "_BHRfS_M"                    Btrfs file system
 *  1080              53 EF (ext magic, LE 0xEF53)  ext2/ext3/ext4 file system (by the superblock's features
 *                                                  at 1116 and 1120: journal makes ext3, extents or 64bit ext4)
 *  P - 10            "SWAPSPACE2" or "SWAP-SPACE"  swap area (P = page size 4, 8, 16 or 64 KiB)
 *  512, 4096         "EFI PART"                    GPT partition table (sector size 512 or 4096)
 *  510               55 AA                         MBR partition table or boot sector
 *  anywhere          a non-zero byte               data
 * </pre>
 */
public final class DeviceSignatures {
    /** How much of the device is looked at: LVM's label area and the head of any file system. */
    public static final int SCANNED_BYTES = 1024 * 1024;

    /** What was found and at which byte offset. */
    public record Finding(String what, long offset) {
        @Override
        public String toString() {
            return what + " at offset " + offset;
        }
    }

    private record Magic(String what, String bytes, int... offsets) {
    }

    private static final List<Magic> MAGICS = List.of(
            new Magic("a Ferry PV label", "FERRYPV1", PvLabel.MAGIC_OFFSET),
            new Magic("an LVM2 PV label", "LABELONE", 0, 512, 1024, 1536),
            new Magic("a LUKS header", "LUKS\u00ba\u00be", 0),
            new Magic("an XFS file system", "XFSB", 0),
            new Magic("a Btrfs file system", "_BHRfS_M", 65_600),
            new Magic("an ext2/ext3/ext4 file system", "\u0053\u00ef", 1080),
            new Magic("a swap area", "SWAPSPACE2", 4086, 8182, 16_374, 65_526),
            new Magic("a swap area", "SWAP-SPACE", 4086, 8182, 16_374, 65_526),
            new Magic("a GPT partition table", "EFI PART", 512, 4096),
            new Magic("an MBR partition table or boot sector", "\u0055\u00aa", 510));

    private static final int EXT_SUPERBLOCK = 1024;
    private static final int EXT_FEATURE_COMPAT = EXT_SUPERBLOCK + 0x5C;
    private static final int EXT_FEATURE_INCOMPAT = EXT_SUPERBLOCK + 0x60;
    private static final int EXT_COMPAT_HAS_JOURNAL = 0x4;
    private static final int EXT_INCOMPAT_EXTENTS = 0x40;
    private static final int EXT_INCOMPAT_64BIT = 0x80;

    private DeviceSignatures() {
    }

    /** The first signature found on {@code device}, else its first non-zero byte, else empty (all zeros). */
    public static Optional<Finding> scan(MetadataDevice device) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(SCANNED_BYTES, device.size()));
        device.read(0, head);
        byte[] b = head.array();
        for (Magic m : MAGICS) {
            byte[] magic = m.bytes().getBytes(StandardCharsets.ISO_8859_1);
            for (int at : m.offsets()) {
                if (matches(b, at, magic)) {
                    return Optional.of(new Finding(m.what().startsWith("an ext") ? ext(b) : m.what(), at));
                }
            }
        }
        for (int i = 0; i < b.length; i++) {
            if (b[i] != 0) {
                return Optional.of(new Finding("data (a non-zero byte)", i));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(byte[] b, int at, byte[] magic) {
        if (at + magic.length > b.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (b[at + i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static String ext(byte[] b) {
        int compat = littleEndianInt(b, EXT_FEATURE_COMPAT);
        int incompat = littleEndianInt(b, EXT_FEATURE_INCOMPAT);
        if ((incompat & (EXT_INCOMPAT_EXTENTS | EXT_INCOMPAT_64BIT)) != 0) {
            return "an ext4 file system";
        }
        return (compat & EXT_COMPAT_HAS_JOURNAL) != 0 ? "an ext3 file system" : "an ext2 file system";
    }

    private static int littleEndianInt(byte[] b, int at) {
        if (at + 4 > b.length) {
            return 0;
        }
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }
}
