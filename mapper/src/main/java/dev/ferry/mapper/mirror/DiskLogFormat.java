package dev.ferry.mapper.mirror;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk image of a disk region log. The device holds two slots of {@link #slotSize} bytes at
 * offsets 0 and {@code slotSize}; each flush writes the whole image, with the next sequence number,
 * into the slot the previous flush did not use, so a torn write never destroys the last good image.
 *
 * <pre>
 *  0       8        12           16         24            32             40       44         48
 *  +-------+--------+------------+----------+-------------+--------------+--------+----------+
 *  | magic |version |bitmapBytes | sequence | region size | region count | crc32c | reserved |
 *  +-------+--------+------------+----------+-------------+--------------+--------+----------+
 *  48: in-sync bitmap (bitmapBytes, bit r = region r in sync, LSB first)
 *  48 + bitmapBytes: dirty bitmap (bitmapBytes, bit r = region r may have unsettled writes)
 *  magic = "FerryMLg"; all integers big-endian; crc32c over the whole image with the crc field zero.
 * </pre>
 *
 * A log written for another region count (the mirror was resized) has another slot size, so its second slot
 * lies elsewhere: {@link #decodeAll} finds slots by their own geometry, and the highest sequence wins.
 */
final class DiskLogFormat {

    static final byte[] MAGIC = "FerryMLg".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int VERSION_OFFSET = 8;
    static final int BITMAP_BYTES_OFFSET = 12;
    static final int SEQUENCE_OFFSET = 16;
    static final int REGION_SIZE_OFFSET = 24;
    static final int REGION_COUNT_OFFSET = 32;
    static final int CRC_OFFSET = 40;
    static final int HEADER_LENGTH = 48;
    static final int ALIGN = 4096;

    /** A decoded image. */
    record Image(long sequence, long regionSize, int regionCount, BitSet inSync, BitSet dirty) { }

    /** How a slot decoded. */
    enum SlotKind {
        /** No magic: never written. */
        ABSENT,
        /** Magic present but checksum or length wrong: a torn or corrupted write. */
        TORN,
        /** A good image. */
        VALID
    }

    /** A slot's decoding. */
    record Slot(SlotKind kind, Image image) { }

    private DiskLogFormat() {
    }

    static int bitmapBytes(int regionCount) {
        return (regionCount + 7) / 8;
    }

    static int slotSize(int regionCount) {
        return (int) alignedSlot(bitmapBytes(regionCount));
    }

    private static long alignedSlot(long bitmapBytes) {
        long raw = HEADER_LENGTH + 2 * bitmapBytes;
        return (raw + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** The slot size the image in slot 0 of {@code start} declares (even if torn), or 0 if slot 0 holds none. */
    static long declaredSlotSize(ByteBuffer start) {
        ByteBuffer b = start.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (!hasMagic(b, 0) || b.capacity() < HEADER_LENGTH) {
            return 0;
        }
        int bytes = b.getInt(BITMAP_BYTES_OFFSET);
        return bytes < 0 ? 0 : alignedSlot(bytes);
    }

    /**
     * Decodes slot 0 of {@code all} and every slot 1 candidate in it: an image at an aligned offset that equals
     * its own slot size. {@code where} names the device in messages.
     */
    static List<Slot> decodeAll(ByteBuffer all, String where) {
        List<Slot> slots = new ArrayList<>();
        long declared = declaredSlotSize(all);
        int first = (int) (declared > 0 && declared < all.capacity() ? declared : all.capacity());
        slots.add(decode(all.slice(0, first), where + " slot 0"));
        for (int at = ALIGN; at < all.capacity(); at += ALIGN) {
            if (hasMagic(all, at)) {
                Slot slot = decode(all.slice(at, Math.min(at, all.capacity() - at)), where + " slot 1 at " + at);
                if (slot.kind() != SlotKind.VALID || slotSize(slot.image().regionCount()) == at) {
                    slots.add(slot);
                }
            }
        }
        return slots;
    }

    private static boolean hasMagic(ByteBuffer b, int at) {
        if (b.capacity() - at < MAGIC.length) {
            return false;
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(at, magic);
        return Arrays.equals(magic, MAGIC);
    }

    static ByteBuffer encode(Image image) {
        int bytes = bitmapBytes(image.regionCount());
        ByteBuffer b = ByteBuffer.allocate(slotSize(image.regionCount())).order(ByteOrder.BIG_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(bytes).putLong(image.sequence()).putLong(image.regionSize())
                .putLong(image.regionCount()).putInt(0).putInt(0);
        b.put(Arrays.copyOf(image.inSync().toByteArray(), bytes));
        b.put(Arrays.copyOf(image.dirty().toByteArray(), bytes));
        b.putInt(CRC_OFFSET, crc(b.array(), HEADER_LENGTH + 2 * bytes));
        return b.clear();
    }

    /** Decodes one slot; throws IllegalArgumentException for a valid image of an unknown version. */
    static Slot decode(ByteBuffer slot, String where) {
        ByteBuffer b = slot.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (!hasMagic(b, 0)) {
            return new Slot(SlotKind.ABSENT, null);
        }
        if (b.capacity() < HEADER_LENGTH) {
            return new Slot(SlotKind.TORN, null);
        }
        int bytes = b.getInt(BITMAP_BYTES_OFFSET);
        if (bytes < 0 || bytes > (b.capacity() - HEADER_LENGTH) / 2) {
            return new Slot(SlotKind.TORN, null);
        }
        byte[] all = new byte[HEADER_LENGTH + 2 * bytes];
        b.get(0, all);
        int stored = b.getInt(CRC_OFFSET);
        Arrays.fill(all, CRC_OFFSET, CRC_OFFSET + 4, (byte) 0);
        if (crc(all, all.length) != stored) {
            return new Slot(SlotKind.TORN, null);
        }
        int version = b.getInt(VERSION_OFFSET);
        if (version != VERSION) {
            throw new IllegalArgumentException("mirror log on " + where + " has unsupported version " + version);
        }
        long count = b.getLong(REGION_COUNT_OFFSET);
        if (count < 1 || count > Integer.MAX_VALUE || bitmapBytes((int) count) != bytes) {
            return new Slot(SlotKind.TORN, null);
        }
        BitSet inSync = BitSet.valueOf(Arrays.copyOfRange(all, HEADER_LENGTH, HEADER_LENGTH + bytes));
        BitSet dirty = BitSet.valueOf(Arrays.copyOfRange(all, HEADER_LENGTH + bytes, all.length));
        return new Slot(SlotKind.VALID, new Image(b.getLong(SEQUENCE_OFFSET), b.getLong(REGION_SIZE_OFFSET),
                (int) count, inSync, dirty));
    }

    private static int crc(byte[] data, int length) {
        CRC32C c = new CRC32C();
        c.update(data, 0, length);
        return (int) c.getValue();
    }
}
