package dev.ferry.daemon.metadata;

import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.zip.CRC32C;

/** CRC32C and UUID helpers shared by the label and slot codecs. */
final class Checksums {
    private Checksums() {
    }

    /** CRC32C of {@code length} bytes of {@code buffer} from absolute index {@code from}. */
    static int crc32c(ByteBuffer buffer, int from, int length) {
        CRC32C crc = new CRC32C();
        ByteBuffer view = buffer.duplicate();
        view.limit(from + length).position(from);
        crc.update(view);
        return (int) crc.getValue();
    }

    /** CRC32C of a whole byte array. */
    static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }

    static void putUuid(ByteBuffer buffer, int index, UUID uuid) {
        buffer.putLong(index, uuid.getMostSignificantBits());
        buffer.putLong(index + 8, uuid.getLeastSignificantBits());
    }

    static UUID getUuid(ByteBuffer buffer, int index) {
        return new UUID(buffer.getLong(index), buffer.getLong(index + 8));
    }

    static boolean allZero(ByteBuffer buffer, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (buffer.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
