package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_REQ_ONE;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_FLAG_DONE;

import dev.ferry.nbd.codec.NegotiatedSession;
import dev.ferry.nbd.codec.ReplyEncoder;
import dev.ferry.nbd.codec.ReplyFormat;
import dev.ferry.nbd.codec.RequestHeader;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.Export;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Answers BLOCK_STATUS for every meta context the session selected: {@code base:allocation} from
 * {@link Export#blockStatus}, the others from {@link Export#metaContextStatus}; one chunk per context in
 * context id order, DONE on the last (spec "NBD_CMD_BLOCK_STATUS").
 */
final class BlockStatusReplies {

    private BlockStatusReplies() {
    }

    /** Asks the export for every selected context; completes with the extents by context id, in id order. */
    static CompletableFuture<Map<Integer, List<BlockStatusExtent>>> gather(Export export, NegotiatedSession session,
                                                                         RequestHeader h) {
        Map<Integer, CompletableFuture<List<BlockStatusExtent>>> parts = new LinkedHashMap<>();
        session.baseAllocationId().ifPresent(id -> parts.put(id, export.blockStatus(h.offset(), h.length())));
        session.exportContexts().forEach((id, name) ->
                parts.put(id, export.metaContextStatus(name, h.offset(), h.length())));
        return CompletableFuture.allOf(parts.values().toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            Map<Integer, List<BlockStatusExtent>> out = new LinkedHashMap<>();
            parts.forEach((id, f) -> out.put(id, f.join()));
            return out;
        });
    }

    /** The extents to send per context (see {@link BlockStatusShaper}); empty if any context got none. */
    static Map<Integer, List<BlockStatusExtent>> shape(Map<Integer, List<BlockStatusExtent>> byContext,
                                                       RequestHeader h) {
        Map<Integer, List<BlockStatusExtent>> shaped = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<BlockStatusExtent>> e : byContext.entrySet()) {
            List<BlockStatusExtent> extents = e.getValue() == null ? List.of()
                    : BlockStatusShaper.shape(e.getValue(), h.length(), h.hasFlag(NBD_CMD_FLAG_REQ_ONE));
            if (extents.isEmpty()) {
                return Map.of();
            }
            shaped.put(e.getKey(), extents);
        }
        return shaped;
    }

    /** Writes one chunk per context, DONE on the last, and returns the last write's future. */
    static ChannelFuture write(ChannelHandlerContext ctx, ReplyFormat format, RequestHeader h,
                               Map<Integer, List<BlockStatusExtent>> shaped) {
        ChannelFuture last = null;
        int left = shaped.size();
        for (Map.Entry<Integer, List<BlockStatusExtent>> e : shaped.entrySet()) {
            int flags = --left == 0 ? NBD_REPLY_FLAG_DONE : 0;
            last = ctx.write(ReplyEncoder.blockStatus(ctx.alloc(), format, flags, h, e.getKey(), e.getValue()));
        }
        return last;
    }
}
