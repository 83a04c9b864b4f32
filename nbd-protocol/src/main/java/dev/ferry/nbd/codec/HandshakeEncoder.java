package dev.ferry.nbd.codec;

import dev.ferry.nbd.NbdConstants;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes the server side of the handshake.
 *
 * <pre>
 * Server greeting (18 bytes):
 * +---------------------------------------------------------------+
 * |                 NBDMAGIC 0x4e42444d41474943 (u64)             |
 * +---------------------------------------------------------------+
 * |                 IHAVEOPT 0x49484156454F5054 (u64)             |
 * +-------------------------------+-------------------------------+
 * |     handshake flags (u16)     |
 * +-------------------------------+
 *
 * Option reply (20 bytes + data):
 * +---------------------------------------------------------------+
 * |              reply magic 0x0003e889045565a9 (u64)             |
 * +---------------------------------------------------------------+
 * |                         option (u32)                          |
 * +---------------------------------------------------------------+
 * |                       reply type (u32)                        |
 * +---------------------------------------------------------------+
 * |                      data length (u32)                        |
 * +---------------------------------------------------------------+
 * |                          data ...                             |
 * +---------------------------------------------------------------+
 *
 * NBD_OPT_EXPORT_NAME reply (10 bytes, or 134 without NO_ZEROES):
 * +---------------------------------------------------------------+
 * |                      export size (u64)                        |
 * +-------------------------------+-------------------------------+
 * |  transmission flags (u16)     |   124 zero bytes (optional)   |
 * +-------------------------------+-------------------------------+
 * </pre>
 */
@ChannelHandler.Sharable
public final class HandshakeEncoder extends MessageToByteEncoder<ServerHandshakeMessage> {

    /** Length of the server greeting. */
    public static final int GREETING_LENGTH = 18;
    /** Length of an option reply header. */
    public static final int OPTION_REPLY_HEADER_LENGTH = 20;
    /** Length of the EXPORT_NAME reply without its zero pad. */
    public static final int EXPORT_NAME_REPLY_LENGTH = 10;

    /** Creates the encoder (stateless, sharable). */
    public HandshakeEncoder() {
        super(ServerHandshakeMessage.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ServerHandshakeMessage msg, ByteBuf out) {
        encode(msg, out);
    }

    /** Writes {@code msg} in wire form to {@code out}. */
    public static void encode(ServerHandshakeMessage msg, ByteBuf out) {
        if (msg instanceof ServerGreeting g) {
            out.writeLong(NbdConstants.NBDMAGIC).writeLong(NbdConstants.IHAVEOPT).writeShort(g.handshakeFlags());
        } else if (msg instanceof OptionReply r) {
            out.writeLong(NbdConstants.NBD_REP_MAGIC).writeInt(r.option()).writeInt(r.replyType())
                    .writeInt(r.data().length).writeBytes(r.data());
        } else if (msg instanceof ExportNameReply e) {
            out.writeLong(e.exportSize()).writeShort(e.transmissionFlags());
            if (!e.noZeroes()) {
                out.writeZero(NbdConstants.EXPORT_NAME_PADDING);
            }
        } else {
            throw new IllegalStateException("unknown handshake message " + msg);
        }
    }
}
