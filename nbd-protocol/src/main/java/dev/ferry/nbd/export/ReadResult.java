package dev.ferry.nbd.export;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * The answer to a read: chunks covering the requested range in order. The server owns the chunks
 * once the future completes and releases each exactly once ({@link #release()} releases them all).
 */
public record ReadResult(List<Chunk> chunks) {

    /** A piece of a read answer. */
    public sealed interface Chunk permits Data, Hole {
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
