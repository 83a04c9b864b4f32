package dev.ferry.daemon.metadata;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The header at the start of each metadata slot; the VG document follows it immediately.
 *
 * <pre>
 *  0        8        16               32       36        40 ...... 60       64
 *  +--------+--------+----------------+--------+---------+-- 0 ---+--------+--------------------+
 *  | magic  | seqno  | VG UUID (16)   | length | doc crc | zeros  | hdr crc| document (length)  |
 *  |FERRYMD1| u64    | msb, lsb       | u32    | crc32c  |        | 0..59  | UTF-8 JSON         |
 *  +--------+--------+----------------+--------+---------+--------+--------+--------------------+
 * </pre>
 */
public record SlotHeader(long seqno, UUID vgUuid, int length, int documentCrc) {
    /** Bytes occupied by the header. */
    public static final int SIZE = 64;
    static final byte[] MAGIC = "FERRYMD1".getBytes(StandardCharsets.US_ASCII);
    private static final int CRC_OFFSET = SIZE - 4;

    /** The header for {@code document}. */
    public static SlotHeader describing(long seqno, UUID vgUuid, byte[] document) {
        return new SlotHeader(seqno, vgUuid, document.length, Checksums.crc32c(document));
    }

    /** Encodes header and document into one buffer, so the slot is written by a single write. */
    public static ByteBuffer encodeWith(SlotHeader header, byte[] document) {
        ByteBuffer b = ByteBuffer.allocate(SIZE + document.length);
        b.put(0, MAGIC);
        b.putLong(8, header.seqno());
        Checksums.putUuid(b, 16, header.vgUuid());
        b.putInt(32, header.length());
        b.putInt(36, header.documentCrc());
        b.putInt(CRC_OFFSET, Checksums.crc32c(b, 0, CRC_OFFSET));
        b.put(SIZE, document);
        return b;
    }

    /** True if the header bytes are all zero (a never-written or cleared slot). */
    static boolean isBlank(ByteBuffer b) {
        return Checksums.allZero(b, 0, SIZE);
    }

    /** Decodes a header, or throws if magic or checksum are wrong. */
    static SlotHeader decode(ByteBuffer b) throws MetadataFormatException {
        byte[] magic = new byte[MAGIC.length];
        b.get(0, magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new MetadataFormatException("slot header magic missing");
        }
        if (b.getInt(CRC_OFFSET) != Checksums.crc32c(b, 0, CRC_OFFSET)) {
            throw new MetadataFormatException("slot header checksum mismatch");
        }
        return new SlotHeader(b.getLong(8), Checksums.getUuid(b, 16), b.getInt(32), b.getInt(36));
    }
}
