package dev.ferry.nbd.client;

import static dev.ferry.nbd.codec.RequestDecoder.COMPACT_HEADER_LENGTH;
import static dev.ferry.nbd.codec.RequestDecoder.EXTENDED_HEADER_LENGTH;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.codec.NbdRequest;
import dev.ferry.nbd.codec.RequestHeader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes the client's {@link NbdRequest}s (spec "Request message"), the counterpart of the server's
 * {@link dev.ferry.nbd.codec.RequestDecoder}; the payload follows the header without a copy.
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

    private final boolean extended;

    /** An encoder for compact ({@code extended == false}) or extended headers. */
    NbdRequestEncoder(boolean extended) {
        super(NbdRequest.class);
        this.extended = extended;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, NbdRequest msg, List<Object> out) {
        RequestHeader h = msg.header();
        if (h.extended() != extended || (!extended && (h.length() >>> 32) != 0)) {
            throw new EncoderException("request " + h + " does not fit the negotiated "
                    + (extended ? "extended" : "compact") + " request header");
        }
        ByteBuf header = ctx.alloc().buffer(extended ? EXTENDED_HEADER_LENGTH : COMPACT_HEADER_LENGTH);
        header.writeInt(extended ? NbdConstants.NBD_EXTENDED_REQUEST_MAGIC : NbdConstants.NBD_REQUEST_MAGIC);
        header.writeShort(h.flags());
        header.writeShort(h.type());
        header.writeLong(h.cookie());
        header.writeLong(h.offset());
        if (extended) {
            header.writeLong(h.length());
        } else {
            header.writeInt((int) h.length());
        }
        out.add(header);
        if (msg.payload().isReadable()) {
            out.add(msg.payload().retain()); // the encoder releases msg, and so its payload, after encode
        }
    }
}
