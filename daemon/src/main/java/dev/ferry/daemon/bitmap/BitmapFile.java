package dev.ferry.daemon.bitmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.zip.CRC32C;

/**
 * The file of one dirty bitmap (see daemon/FORMAT.md, "Dirty bitmaps"): a header with the in-use flag and the
 * granularity, the bits, and a CRC-32C. Files are replaced whole (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves the old or the new version.
 */
final class BitmapFile {

    /** First eight bytes of every bitmap file. */
    static final byte[] MAGIC = "FERRYDBM".getBytes(StandardCharsets.US_ASCII);
    /** The only format version. */
    static final int VERSION = 1;
    /** Flag: the bitmap was in use by a running daemon (set while it runs, cleared at a clean stop). */
    static final int IN_USE = 1;
    /** Bytes before the bits: magic, version, flags, granularity, word count. */
    static final int HEADER = 8 + 4 + 4 + 8 + 4;
    /** File name suffix. */
    static final String SUFFIX = ".bitmap";

    /** What a file holds. */
    record Content(long granularity, boolean inUse, BitSet bits) {
    }

    private BitmapFile() {
    }

    /** Reads and checks a bitmap file. */
    static Content read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        if (b.remaining() < HEADER + 4) {
            throw new IOException(file + ": too short for a bitmap file");
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.limit() - 4);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + ": not a Ferry bitmap file");
        }
        int version = b.getInt();
        int flags = b.getInt();
        long granularity = b.getLong();
        int words = b.getInt();
        if (version != VERSION || words < 0 || b.remaining() != 8L * words + 4) {
            throw new IOException(file + ": unsupported version " + version + " or bad length");
        }
        long[] longs = new long[words];
        for (int i = 0; i < words; i++) {
            longs[i] = b.getLong();
        }
        if ((int) crc.getValue() != b.getInt()) {
            throw new IOException(file + ": checksum mismatch");
        }
        return new Content(granularity, (flags & IN_USE) != 0, BitSet.valueOf(longs));
    }

    /** Replaces {@code file} atomically and durably with {@code content}. */
    static void write(Path file, Content content) throws IOException {
        long[] longs = content.bits().toLongArray();
        ByteBuffer b = ByteBuffer.allocate(HEADER + 8 * longs.length + 4);
        b.put(MAGIC).putInt(VERSION).putInt(content.inUse() ? IN_USE : 0).putLong(content.granularity())
                .putInt(longs.length);
        for (long l : longs) {
            b.putLong(l);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(dir);
    }

    /** Deletes a bitmap file durably. */
    static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        syncDirectory(file.getParent());
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
