package dev.ferry.daemon.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** Pins the on-disk PV label byte for byte: the offsets here are literals, as FORMAT.md gives them. */
class PvLabelTest {

    private static final UUID PV = new UUID(0x0102030405060708L, 0x1112131415161718L);
    private static final PvLabel LABEL = new PvLabel(PV, 8L << 20, 4096, 256 * 1024, 2, 1 << 20);

    /** The first 64 bytes of {@link #LABEL} as written by format version 1. */
    private static final String HEADER_HEX = "4645525259505631" // 0: magic "FERRYPV1"
            + "00000001" // 8: version 1
            + "0102030405060708" + "1112131415161718" // 12: PV UUID, msb then lsb
            + "0000000000800000" // 28: device size, 8 MiB
            + "0000000000001000" // 36: mda offset, 4096
            + "0000000000040000" // 44: slot size, 256 KiB
            + "00000002" // 52: slot count
            + "0000000000100000"; // 56: pe_start, 1 MiB

    @Test
    void encodedFieldsSitAtTheDocumentedOffsets() {
        ByteBuffer b = LABEL.encode();
        assertThat(b.position()).isZero();
        assertThat(b.remaining()).isEqualTo(512);

        byte[] magic = new byte[8];
        b.get(0, magic);
        assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("FERRYPV1");
        assertThat(b.getInt(8)).isEqualTo(1);
        assertThat(b.getLong(12)).isEqualTo(PV.getMostSignificantBits());
        assertThat(b.getLong(20)).isEqualTo(PV.getLeastSignificantBits());
        assertThat(b.getLong(28)).isEqualTo(8L << 20);
        assertThat(b.getLong(36)).isEqualTo(4096);
        assertThat(b.getLong(44)).isEqualTo(256 * 1024);
        assertThat(b.getInt(52)).isEqualTo(2);
        assertThat(b.getLong(56)).isEqualTo(1 << 20);
        for (int i = 64; i < 508; i++) {
            assertThat(b.get(i)).as("reserved byte %d", i).isZero();
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 508);
        assertThat(b.getInt(508)).isEqualTo((int) crc.getValue());
    }

    @Test
    void encodedHeaderMatchesTheVersion1Bytes() {
        byte[] header = new byte[64];
        LABEL.encode().get(0, header);
        assertThat(HexFormat.of().formatHex(header)).isEqualTo(HEADER_HEX);
    }

    @Test
    void decodesTheBytesItWrites() throws MetadataFormatException {
        assertThat(PvLabel.decode(LABEL.encode())).contains(LABEL);
    }

    @Test
    void noMagicIsNotALabelAndABadChecksumOrVersionIsAnError() throws MetadataFormatException {
        assertThat(PvLabel.decode(ByteBuffer.allocate(512))).isEmpty();

        ByteBuffer flipped = LABEL.encode();
        flipped.put(100, (byte) 1);
        assertThatThrownBy(() -> PvLabel.decode(flipped)).isInstanceOf(MetadataFormatException.class)
                .hasMessageContaining("checksum");

        ByteBuffer version2 = LABEL.encode();
        version2.putInt(8, 2);
        CRC32C crc = new CRC32C();
        crc.update(version2.array(), 0, 508);
        version2.putInt(508, (int) crc.getValue());
        assertThatThrownBy(() -> PvLabel.decode(version2)).isInstanceOf(MetadataFormatException.class)
                .hasMessageContaining("version 2");
    }
}
