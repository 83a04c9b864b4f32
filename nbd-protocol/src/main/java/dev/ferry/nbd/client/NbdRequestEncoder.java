package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes {@link NbdRequest}s (spec "Request message"); the payload follows the header without a copy.
 *
 * <pre>
 * Compact request (28 bytes):
 *  0       4       6       8                      16                      24      28
 * +-------+-------+-------+-----------------------+-----------------------+-------+---------
 * | magic | flags | type  |     cookie (u64)      |     offset (u64)      |len u32| payload
 * +-------+-------+-------+-----------------------+-----------------------+-------+---------
 *   magic = NBD_REQUEST_MAGIC 0x25609513
 *
 * Extended request (32 bytes, after NBD_OPT_EXTENDED_HEADERS):
 *  0       4       6       8                      16                      24              32
 * +-------+-------+-------+-----------------------+-----------------------+---------------+---------
 * | magic | flags | type  |     cookie (u64)      |     offset (u64)      | length (u64)  | payload
 * +-------+-------+-------+-----------------------+-----------------------+---------------+---------
 *   magic = NBD_EXTENDED_REQUEST_MAGIC 0x21e41c71
 * </pre>
 */
final class NbdRequestEncoder extends MessageToMessageEncoder<NbdRequest> {

    /** Bytes of a compact request header. */
    static final int COMPACT_HEADER_LENGTH = 28;
    /** Bytes of an extended request header. */
    static final int EXTENDED_HEADER_LENGTH = 32;

    private final boolean extended;

    /** An encoder for compact ({@code extended == false}) or extended headers. */
    NbdRequestEncoder(boolean extended) {
        super(NbdRequest.class);
        this.extended = extended;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, NbdRequest msg, List<Object> out) {
        if (!extended && (msg.length() >>> 32) != 0) {
            if (msg.payload() != null) {
                msg.payload().release();
            }
            throw new EncoderException("length " + msg.length() + " does not fit a compact request header");
        }
        ByteBuf header = ctx.alloc().buffer(extended ? EXTENDED_HEADER_LENGTH : COMPACT_HEADER_LENGTH);
        header.writeInt(extended ? NbdConstants.NBD_EXTENDED_REQUEST_MAGIC : NbdConstants.NBD_REQUEST_MAGIC);
        header.writeShort(msg.flags());
        header.writeShort(msg.type());
        header.writeLong(msg.cookie());
        header.writeLong(msg.offset());
        if (extended) {
            header.writeLong(msg.length());
        } else {
            header.writeInt((int) msg.length());
        }
        out.add(header);
        if (msg.payload() != null) {
            out.add(msg.payload());
        }
    }
}
