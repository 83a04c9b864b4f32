package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_DF;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_FLAG_DONE;

import dev.ferry.nbd.codec.ReplyEncoder;
import dev.ferry.nbd.codec.ReplyFormat;
import dev.ferry.nbd.codec.RequestHeader;
import dev.ferry.nbd.codec.SimpleReply;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/**
 * Writes the reply to a successful READ from its {@link ReadResult} chunks without copying data:
 * a simple reply is the header then every chunk body; structured replies send one OFFSET_DATA chunk
 * per data chunk and one OFFSET_HOLE per hole, or with DF a single OFFSET_DATA with holes as zeroes.
 * Buffers go to the channel as they are, holes as slices of a shared read-only zero buffer.
 */
final class ReadReplyWriter {

    private static final int ZERO_LENGTH = 1 << 20;
    private static final ByteBuf ZEROES = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(ZERO_LENGTH, ZERO_LENGTH).writeZero(ZERO_LENGTH).asReadOnly());

    private ReadReplyWriter() {
    }

    /** Whether the chunks of {@code result} cover exactly {@code [offset, offset + length)} in order. */
    static boolean covers(ReadResult result, long offset, long length) {
        long next = offset;
        for (ReadResult.Chunk c : result.chunks()) {
            if (c.offset() != next || c.length() < 0) {
                return false;
            }
            next += c.length();
        }
        return next == offset + length;
    }

    /**
     * Writes the whole reply (taking ownership of every chunk) and returns the future of its last
     * write. {@code result} must satisfy {@link #covers}.
     */
    static ChannelFuture write(ChannelHandlerContext ctx, ReplyFormat format, RequestHeader req, ReadResult result) {
        ByteBufAllocator alloc = ctx.alloc();
        List<ReadResult.Chunk> chunks = result.chunks();
        int written = 0;
        try {
            if (format == ReplyFormat.SIMPLE) {
                ChannelFuture last = ctx.write(ReplyEncoder.simple(alloc, new SimpleReply(req.cookie(), 0)));
                for (ReadResult.Chunk c : chunks) {
                    written++;
                    last = writeBody(ctx, c);
                }
                return last;
            }
            if (chunks.isEmpty()) {
                return ctx.write(ReplyEncoder.none(alloc, format, req));
            }
            if (req.hasFlag(NBD_CMD_FLAG_DF)) {
                ChannelFuture last = ctx.write(ReplyEncoder.offsetData(alloc, format, NBD_REPLY_FLAG_DONE, req,
                        req.offset(), req.length()));
                for (ReadResult.Chunk c : chunks) {
                    written++;
                    last = writeBody(ctx, c);
                }
                return last;
            }
            ChannelFuture last = null;
            for (ReadResult.Chunk c : chunks) {
                written++;
                int flags = written == chunks.size() ? NBD_REPLY_FLAG_DONE : 0;
                if (c instanceof ReadResult.Hole h) {
                    last = ctx.write(ReplyEncoder.offsetHole(alloc, format, flags, req, h.offset(), h.length()));
                } else {
                    ctx.write(ReplyEncoder.offsetData(alloc, format, flags, req, c.offset(), c.length()));
                    last = writeBody(ctx, c);
                }
            }
            return last;
        } finally {
            for (int i = written; i < chunks.size(); i++) {
                chunks.get(i).release();
            }
        }
    }

    /** Writes one chunk's bytes; ownership passes to the channel. */
    private static ChannelFuture writeBody(ChannelHandlerContext ctx, ReadResult.Chunk chunk) {
        if (chunk instanceof ReadResult.Data d) {
            return ctx.write(d.buffer());
        }
        ReadResult.Hole hole = (ReadResult.Hole) chunk;
        int remaining = hole.length();
        ChannelFuture last = null;
        do {
            int n = Math.min(remaining, ZERO_LENGTH);
            last = ctx.write(ZEROES.slice(0, n));
            remaining -= n;
        } while (remaining > 0);
        return last;
    }
}
