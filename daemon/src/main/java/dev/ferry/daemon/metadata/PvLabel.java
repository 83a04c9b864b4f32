package dev.ferry.daemon.metadata;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * The label at byte 0 of every PV: identity, geometry of the metadata area and the data area start.
 *
 * <pre>
 *  0          8          12                     28           36           44           52         56
 *  +----------+----------+----------------------+------------+------------+------------+----------+
 *  | magic    | version  | PV UUID              | dev size   | mda offset | slot size  | slots    |
 *  | FERRYPV1 | u32 = 1  | u64 msb, u64 lsb     | u64 bytes  | u64 bytes  | u64 bytes  | u32      |
 *  +----------+----------+----------------------+------------+------------+------------+----------+
 *  56           64                                       508          512
 *  +------------+----------------------------------------+------------+
 *  | pe_start   | reserved: zeros                        | crc32c     |
 *  | u64 bytes  | (444 bytes)                            | of 0..507  |
 *  +------------+----------------------------------------+------------+
 *  All integers are big-endian; the CRC32C covers bytes 0..507. daemon/FORMAT.md has the same table.
 * </pre>
 */
public record PvLabel(UUID pvUuid, long deviceSize, long mdaOffset, long slotSize, int slotCount, long peStart) {
    /** Bytes occupied by the label. */
    public static final int SIZE = 512;
    /** Format version written and accepted. */
    public static final int VERSION = 1;
    /** Default metadata area start: the second 4 KiB block. */
    public static final long DEFAULT_MDA_OFFSET = 4096;
    /** Default size of one metadata slot. */
    public static final long DEFAULT_SLOT_SIZE = 256 * 1024;
    /** Default number of slots. */
    public static final int DEFAULT_SLOT_COUNT = 2;
    /** Default start of the data area (1 MiB aligned). */
    public static final long DEFAULT_PE_START = 1024 * 1024;

    static final byte[] MAGIC = "FERRYPV1".getBytes(StandardCharsets.US_ASCII);
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    /** The UUID's most significant long, then its least significant long at {@code PV_UUID_OFFSET + 8}. */
    static final int PV_UUID_OFFSET = 12;
    static final int DEVICE_SIZE_OFFSET = 28;
    static final int MDA_OFFSET_OFFSET = 36;
    static final int SLOT_SIZE_OFFSET = 44;
    static final int SLOT_COUNT_OFFSET = 52;
    static final int PE_START_OFFSET = 56;
    /** First byte of the reserved, all-zero tail (up to {@link #CRC_OFFSET}). */
    static final int RESERVED_OFFSET = 64;
    /** The CRC32C of bytes {@code [0, CRC_OFFSET)}. */
    static final int CRC_OFFSET = SIZE - 4;

    /** Validates the geometry: slots lie between the label and pe_start, pe_start lies inside the device. */
    public PvLabel {
        if (pvUuid == null) {
            throw new IllegalArgumentException("pvUuid is null");
        }
        if (slotCount < 2 || slotSize < 4096 || mdaOffset < SIZE) {
            throw new IllegalArgumentException("bad metadata area geometry: offset " + mdaOffset + ", "
                    + slotCount + " slots of " + slotSize);
        }
        long mdaEnd;
        try {
            mdaEnd = Math.addExact(mdaOffset, Math.multiplyExact(slotSize, slotCount));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("bad metadata area geometry: " + slotCount + " slots of " + slotSize
                    + " from offset " + mdaOffset + " overflow 64 bits");
        }
        if (mdaEnd > peStart || peStart > deviceSize) {
            throw new IllegalArgumentException("metadata area [" + mdaOffset + ", " + mdaEnd
                    + ") does not fit before pe_start " + peStart + " within device of " + deviceSize + " bytes");
        }
    }

    /** A label with the default geometry for a device of {@code deviceSize} bytes. */
    public static PvLabel withDefaults(UUID pvUuid, long deviceSize) {
        return new PvLabel(pvUuid, deviceSize, DEFAULT_MDA_OFFSET, DEFAULT_SLOT_SIZE, DEFAULT_SLOT_COUNT,
                DEFAULT_PE_START);
    }

    /** Byte offset of slot {@code index}. */
    public long slotOffset(int index) {
        return mdaOffset + slotSize * index;
    }

    /** Encodes the label into a fresh {@value #SIZE}-byte buffer positioned at 0. */
    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(MAGIC_OFFSET, MAGIC);
        b.putInt(VERSION_OFFSET, VERSION);
        Checksums.putUuid(b, PV_UUID_OFFSET, pvUuid);
        b.putLong(DEVICE_SIZE_OFFSET, deviceSize);
        b.putLong(MDA_OFFSET_OFFSET, mdaOffset);
        b.putLong(SLOT_SIZE_OFFSET, slotSize);
        b.putInt(SLOT_COUNT_OFFSET, slotCount);
        b.putLong(PE_START_OFFSET, peStart);
        b.putInt(CRC_OFFSET, Checksums.crc32c(b, 0, CRC_OFFSET));
        return b;
    }

    /**
     * Decodes a label: empty if the bytes do not start with the magic (not a Ferry PV), an exception if the
     * magic is there but the checksum, version or geometry is wrong.
     */
    public static Optional<PvLabel> decode(ByteBuffer b) throws MetadataFormatException {
        byte[] magic = new byte[MAGIC.length];
        b.get(MAGIC_OFFSET, magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            return Optional.empty();
        }
        if (b.getInt(CRC_OFFSET) != Checksums.crc32c(b, 0, CRC_OFFSET)) {
            throw new MetadataFormatException("PV label checksum mismatch");
        }
        int version = b.getInt(VERSION_OFFSET);
        if (version != VERSION) {
            throw new MetadataFormatException("unsupported PV label version " + version);
        }
        try {
            return Optional.of(new PvLabel(Checksums.getUuid(b, PV_UUID_OFFSET), b.getLong(DEVICE_SIZE_OFFSET),
                    b.getLong(MDA_OFFSET_OFFSET), b.getLong(SLOT_SIZE_OFFSET), b.getInt(SLOT_COUNT_OFFSET),
                    b.getLong(PE_START_OFFSET)));
        } catch (IllegalArgumentException e) {
            throw new MetadataFormatException("PV label geometry invalid: " + e.getMessage());
        }
    }
}
