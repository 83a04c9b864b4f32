package dev.ferry.mapper.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional transfers on a {@link FileChannel} that loop over short reads and writes. */
final class ChannelIo {

    /** Largest single zero-filling write. */
    static final int ZERO_CHUNK = 1 << 20;

    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private ChannelIo() {
    }

    /**
     * Fills {@code dst} (a view the caller may not see move) from {@code position}; bytes past the end
     * of the file read as zeroes.
     */
    static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                fillZeroes(dst);
                return;
            }
            pos += n;
        }
    }

    /** Writes all of {@code src} (a view the caller may not see move) at {@code position}. */
    static void writeFully(FileChannel channel, ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    /** Writes {@code length} zero bytes at {@code position}, in chunks of at most {@value #ZERO_CHUNK}. */
    static void writeZeroes(FileChannel channel, long position, long length) throws IOException {
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(ZERO_CHUNK, length - done);
            writeFully(channel, ZEROES.duplicate().limit(n), position + done);
            done += n;
        }
    }

    private static void fillZeroes(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put(ZEROES.duplicate().limit(Math.min(ZERO_CHUNK, dst.remaining())));
        }
    }
}
