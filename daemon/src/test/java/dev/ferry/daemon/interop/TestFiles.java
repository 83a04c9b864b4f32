package dev.ferry.daemon.interop;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** Sparse test files with data at known places, and their checksums. */
final class TestFiles {

    static final int MIB = 1 << 20;

    private TestFiles() {
    }

    /** Creates a sparse file of {@code size} bytes: all hole. */
    static Path sparse(Path path, long size) {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code length} seeded random bytes at {@code offset}. */
    static void writeRandom(Path path, long offset, int length, long seed) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        write(path, offset, data);
    }

    /** Writes {@code data} at {@code offset}. */
    static void write(Path path, long offset, byte[] data) {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(offset);
            f.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@code length} bytes at {@code offset}. */
    static byte[] read(Path path, long offset, int length) {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            byte[] data = new byte[length];
            f.seek(offset);
            f.readFully(data);
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SHA-256 of the whole file, in hex. */
    static String sha256(Path path) {
        try (var in = Files.newInputStream(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
