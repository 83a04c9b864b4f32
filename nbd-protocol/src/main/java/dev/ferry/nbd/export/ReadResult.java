package dev.ferry.nbd.export;

import io.netty.buffer.ByteBuf;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * The answer to a read: chunks covering the requested range in order. The server owns the chunks
 * once the future completes and releases each exactly once ({@link #release()} releases them all).
 */
public record ReadResult(List<Chunk> chunks) {

    /** A piece of a read answer. */
    public sealed interface Chunk permits Data, FileData, Hole {
        /** Absolute export offset of the first byte. */
        long offset();

        /** Number of bytes covered. */
        int length();

        /** Releases what this chunk holds; called exactly once by the owner. */
        void release();
    }

    /** Bytes in a buffer the chunk owns. */
    public record Data(long offset, ByteBuf buffer) implements Chunk {
        @Override
        public int length() {
            return buffer.readableBytes();
        }

        @Override
        public void release() {
            buffer.release();
        }
    }

    /**
     * Told when the bytes of a {@link FileData} could not be sent: the read of the file failed (an I/O error of the
     * disk under it) or the connection did, which the server cannot tell apart. The connection is closed either
     * way, since the reply was already under way.
     */
    @FunctionalInterface
    public interface SendFailure {
        /** Sending the chunk's bytes failed with {@code cause}; called at most once, before the pin is closed. */
        void failed(Throwable cause);
    }

    /**
     * Bytes still in a file, sent zero-copy; {@code pin} keeps the range valid (e.g. a mapped table
     * and its extents) and is closed once the bytes have been sent or the send failed; {@code failure} hears of a
     * failed send first.
     */
    public record FileData(long offset, int length, FileChannel channel, long position, AutoCloseable pin,
                           SendFailure failure) implements Chunk {
        @Override
        public void release() {
            try {
                pin.close();
            } catch (Exception e) {
                throw new IllegalStateException("releasing a file read pin failed", e);
            }
        }
    }

    /** A range that reads as zeroes and holds no data. */
    public record Hole(long offset, int length) implements Chunk {
        @Override
        public void release() {
        }
    }

    /** Copies the chunk list. */
    public ReadResult {
        chunks = List.copyOf(chunks);
    }

    /** A single data chunk. */
    public static ReadResult of(long offset, ByteBuf buffer) {
        return new ReadResult(List.of(new Data(offset, buffer)));
    }

    /** Releases every chunk. */
    public void release() {
        for (Chunk c : chunks) {
            c.release();
        }
    }
}
