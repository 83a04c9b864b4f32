package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A transmission reply as decoded from the wire: a simple reply or one structured/extended chunk.
 * Replies carrying data own one reference to it; whoever consumes the reply releases it.
 */
public sealed interface NbdReply {

    /** The cookie of the request this answers. */
    long cookie();

    /** Whether this is the last reply for its cookie (always true for simple replies). */
    boolean done();

    /** Releases the data this reply owns, if any. */
    default void releaseData() {
    }

    /** Whether a chunk's flags carry NBD_REPLY_FLAG_DONE. */
    private static boolean isDone(int flags) {
        return (flags & NbdConstants.NBD_REPLY_FLAG_DONE) != 0;
    }

    /** A 16-byte simple reply; {@code data} holds a successful READ's bytes, else it is null. */
    record Simple(long cookie, int error, ByteBuf data) implements NbdReply {
        @Override
        public boolean done() {
            return true;
        }

        @Override
        public void releaseData() {
            if (data != null) {
                data.release();
            }
        }
    }

    /** NBD_REPLY_TYPE_OFFSET_DATA: {@code data} read at absolute {@code offset}. */
    record OffsetData(long cookie, int flags, long offset, ByteBuf data) implements NbdReply {
        @Override
        public boolean done() {
            return isDone(flags);
        }

        @Override
        public void releaseData() {
            data.release();
        }
    }

    /** NBD_REPLY_TYPE_OFFSET_HOLE: {@code length} bytes of zeroes at absolute {@code offset}. */
    record OffsetHole(long cookie, int flags, long offset, long length) implements NbdReply {
        @Override
        public boolean done() {
            return isDone(flags);
        }
    }

    /** NBD_REPLY_TYPE_BLOCK_STATUS or BLOCK_STATUS_EXT: the extents of one meta context. */
    record BlockStatus(long cookie, int flags, int contextId, List<BlockStatusExtent> extents) implements NbdReply {
        /** Copies the extent list. */
        public BlockStatus {
            extents = List.copyOf(extents);
        }

        @Override
        public boolean done() {
            return isDone(flags);
        }
    }

    /**
     * NBD_REPLY_TYPE_ERROR, ERROR_OFFSET or an unknown error chunk type.
     *
     * @param chunkType the chunk type (bit 15 set)
     * @param error     the NBD error value (non-zero)
     * @param message   the server's message, possibly empty
     * @param offset    the offending offset for ERROR_OFFSET, else -1
     */
    record Error(long cookie, int flags, int chunkType, int error, String message, long offset) implements NbdReply {
        @Override
        public boolean done() {
            return isDone(flags);
        }
    }

    /** NBD_REPLY_TYPE_NONE: success without data, always with DONE. */
    record None(long cookie, int flags) implements NbdReply {
        @Override
        public boolean done() {
            return isDone(flags);
        }
    }
}
