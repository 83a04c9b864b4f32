package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes the client's handshake messages (spec "Newstyle negotiation").
 *
 * <pre>
 * Client flags:
 *  0                   1                   2                   3
 * +---------------------------------------------------------------+
 * |                       client flags (u32)                      |
 * +---------------------------------------------------------------+
 *
 * Option request:
 * +---------------------------------------------------------------+
 * |                     IHAVEOPT magic (u64)                      |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                          option (u32)                         |
 * +---------------------------------------------------------------+
 * |                       data length (u32)                       |
 * +---------------------------------------------------------------+
 * |                        data ...                               |
 * </pre>
 */
final class OptionRequestEncoder extends MessageToByteEncoder<OptionRequest> {

    /** Bytes of an option request before its data. */
    static final int OPTION_HEADER_LENGTH = 16;

    OptionRequestEncoder() {
        super(OptionRequest.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, OptionRequest msg, ByteBuf out) {
        if (msg instanceof OptionRequest.ClientFlags flags) {
            out.writeInt(flags.flags());
        } else if (msg instanceof OptionRequest.Option option) {
            out.ensureWritable(OPTION_HEADER_LENGTH + option.length());
            out.writeLong(NbdConstants.IHAVEOPT);
            out.writeInt(option.option());
            out.writeInt(option.length());
            option.writeDataTo(out);
        }
    }
}
