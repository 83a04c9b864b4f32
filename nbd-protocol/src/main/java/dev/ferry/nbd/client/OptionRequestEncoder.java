package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.codec.ClientFlags;
import dev.ferry.nbd.codec.ClientHandshakeMessage;
import dev.ferry.nbd.codec.OptionRequest;
import dev.ferry.nbd.codec.OptionRequestDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes the client's handshake messages (spec "Newstyle negotiation"), the counterpart of the server's
 * {@link OptionRequestDecoder}.
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
final class OptionRequestEncoder extends MessageToByteEncoder<ClientHandshakeMessage> {

    OptionRequestEncoder() {
        super(ClientHandshakeMessage.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ClientHandshakeMessage msg, ByteBuf out) {
        if (msg instanceof ClientFlags flags) {
            out.writeInt(flags.flags());
        } else if (msg instanceof OptionRequest option) {
            out.ensureWritable(OptionRequestDecoder.OPTION_HEADER_LENGTH + option.data().length);
            out.writeLong(NbdConstants.IHAVEOPT);
            out.writeInt(option.option());
            out.writeInt(option.data().length);
            out.writeBytes(option.data());
        } else {
            throw new IllegalArgumentException("a client does not send " + msg);
        }
    }
}
