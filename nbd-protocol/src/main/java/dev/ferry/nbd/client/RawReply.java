package dev.ferry.nbd.client;

import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Map;

/**
 * Everything the server answered to one request, before it is turned into a typed result.
 *
 * @param error       the first NBD error value the server sent, or 0 on success
 * @param message     the server's message with that error (empty for simple replies)
 * @param errorOffset the offset of an ERROR_OFFSET chunk, else -1
 * @param data        a successful READ's bytes (holes zero-filled), owned by the receiver; null otherwise
 * @param blockStatus extents per meta context id for BLOCK_STATUS; empty otherwise
 */
public record RawReply(int error, String message, long errorOffset, ByteBuf data,
                       Map<Integer, List<BlockStatusExtent>> blockStatus) {

    /** Copies the block status map. */
    public RawReply {
        blockStatus = Map.copyOf(blockStatus);
    }

    /** Whether the server reported success. */
    public boolean ok() {
        return error == 0;
    }

    /** Releases {@link #data()} if present. */
    public void release() {
        if (data != null) {
            data.release();
        }
    }
}
