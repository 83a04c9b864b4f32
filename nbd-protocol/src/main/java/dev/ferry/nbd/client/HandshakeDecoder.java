package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes what the server sends during the handshake into {@link HandshakeReply} messages
 * (spec "Newstyle negotiation", "Option haggling").
 *
 * <pre>
 * Greeting (18 bytes):
 * +-------------------------------+-------------------------------+---------------+
 * |     NBDMAGIC (u64)            |     IHAVEOPT (u64)            | hs flags (u16)|
 * +-------------------------------+-------------------------------+---------------+
 *
 * Option reply (20 bytes + data):
 * +-------------------------------+---------------+---------------+---------------+---------
 * |  NBD_REP_MAGIC (u64)          | option (u32)  | type (u32)    | length (u32)  | data ...
 * +-------------------------------+---------------+---------------+---------------+---------
 *   NBD_REP_SERVER data:        name length u32, name, description (rest)
 *   NBD_REP_INFO data:          info type u16, then EXPORT: size u64, flags u16 |
 *                               NAME/DESCRIPTION: string | BLOCK_SIZE: min u32, preferred u32, max u32
 *   NBD_REP_META_CONTEXT data:  context id u32, name (rest)
 *   NBD_REP_ERR_* data:         UTF-8 message (rest)
 *
 * NBD_OPT_EXPORT_NAME reply (10 bytes, plus 124 zero bytes unless NO_ZEROES was agreed):
 * +-------------------------------+---------------+-------------------
 * |  export size (u64)            | tx flags (u16)| 124 x 0 (optional)
 * +-------------------------------+---------------+-------------------
 * </pre>
 *
 * Every length the server sends is checked against {@link #MAX_OPTION_REPLY_LENGTH} before anything is
 * buffered. A violation throws {@link NbdProtocolException} once and then discards all input.
 */
final class HandshakeDecoder extends ByteToMessageDecoder {

    /** Bytes of the greeting. */
    static final int GREETING_LENGTH = 18;
    /** Bytes of an option reply header. */
    static final int OPTION_REPLY_HEADER_LENGTH = 20;
    /** Bytes of the EXPORT_NAME reply without its padding. */
    static final int EXPORT_NAME_REPLY_LENGTH = 10;
    /** Largest option reply data accepted (two 4096-byte strings plus framing fit easily). */
    static final int MAX_OPTION_REPLY_LENGTH = 64 * 1024;
    /** The oldstyle second magic ("cliserv_magic"), which this client refuses. */
    static final long CLISERV_MAGIC = 0x00420281861253L;

    /** What the decoder waits for. */
    enum State {
        /** Waiting for the 18-byte greeting. */
        GREETING,
        /** Waiting for a 20-byte option reply header. */
        OPTION_REPLY_HEADER,
        /** Header read; waiting for {@code length} bytes of option reply data. */
        OPTION_REPLY_DATA,
        /** Waiting for the reply to NBD_OPT_EXPORT_NAME. */
        EXPORT_NAME_REPLY,
        /** The server broke the protocol; everything is discarded. */
        FAILED
    }

    private State state = State.GREETING;
    private int exportNamePadding;
    private int replyOption;
    private int replyType;
    private int replyLength;

    HandshakeDecoder() {
    }

    /** The next server message is the EXPORT_NAME reply; {@code noZeroes} drops its padding. */
    void expectExportNameReply(boolean noZeroes) {
        if (state != State.OPTION_REPLY_HEADER) {
            throw new IllegalStateException("cannot expect an EXPORT_NAME reply in state " + state
                    + "; expected " + State.OPTION_REPLY_HEADER);
        }
        exportNamePadding = noZeroes ? 0 : NbdConstants.EXPORT_NAME_PADDING;
        state = State.EXPORT_NAME_REPLY;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case GREETING -> decodeGreeting(in, out);
            case OPTION_REPLY_HEADER -> {
                if (decodeOptionHeader(in)) {
                    decodeOptionData(in, out); // the data may already be here, or be empty
                }
            }
            case OPTION_REPLY_DATA -> decodeOptionData(in, out);
            case EXPORT_NAME_REPLY -> decodeExportNameReply(in, out);
            case FAILED -> in.skipBytes(in.readableBytes());
            default -> throw new IllegalStateException("unhandled state " + state);
        }
    }

    private void decodeGreeting(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < GREETING_LENGTH) {
            return;
        }
        long magic = in.readLong();
        if (magic != NbdConstants.NBDMAGIC) {
            throw fail(in, "bad greeting magic 0x" + Long.toHexString(magic) + ", expected NBDMAGIC");
        }
        long second = in.readLong();
        if (second == CLISERV_MAGIC) {
            throw fail(in, "server speaks the oldstyle handshake, which this client does not support");
        }
        if (second != NbdConstants.IHAVEOPT) {
            throw fail(in, "bad greeting magic 0x" + Long.toHexString(second) + ", expected IHAVEOPT");
        }
        int flags = in.readUnsignedShort();
        state = State.OPTION_REPLY_HEADER;
        out.add(new HandshakeReply.Greeting(flags));
    }

    /** Reads and bounds an option reply header; false when it is not complete yet. */
    private boolean decodeOptionHeader(ByteBuf in) {
        if (in.readableBytes() < OPTION_REPLY_HEADER_LENGTH) {
            return false;
        }
        long magic = in.readLong();
        if (magic != NbdConstants.NBD_REP_MAGIC) {
            throw fail(in, "bad option reply magic 0x" + Long.toHexString(magic));
        }
        replyOption = in.readInt();
        replyType = in.readInt();
        long length = in.readUnsignedInt();
        if (length > MAX_OPTION_REPLY_LENGTH) {
            throw fail(in, "option reply " + NbdNegotiationException.replyName(replyType) + " to option "
                    + replyOption + " claims " + length + " bytes, more than " + MAX_OPTION_REPLY_LENGTH);
        }
        replyLength = (int) length;
        state = State.OPTION_REPLY_DATA;
        return true;
    }

    private void decodeOptionData(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < replyLength) {
            return;
        }
        ByteBuf data = in.readSlice(replyLength);
        state = State.OPTION_REPLY_HEADER;
        out.add(parseOptionReply(in, data));
    }

    private HandshakeReply.OptionReply parseOptionReply(ByteBuf in, ByteBuf data) {
        int option = replyOption;
        int len = replyLength;
        if ((replyType & NbdConstants.NBD_REP_FLAG_ERROR) != 0) {
            return new HandshakeReply.Error(option, replyType, data.toString(StandardCharsets.UTF_8));
        }
        switch (replyType) {
            case NbdConstants.NBD_REP_ACK -> {
                if (len != 0) {
                    throw fail(in, "NBD_REP_ACK to option " + option + " carries " + len + " bytes");
                }
                return new HandshakeReply.Ack(option);
            }
            case NbdConstants.NBD_REP_SERVER -> {
                long nameLength = len < 4 ? -1 : data.readUnsignedInt();
                if (nameLength < 0 || nameLength > data.readableBytes()) {
                    throw fail(in, "NBD_REP_SERVER with bad name length in " + len + " bytes");
                }
                String name = data.readCharSequence((int) nameLength, StandardCharsets.UTF_8).toString();
                return new HandshakeReply.Server(option, name, data.toString(StandardCharsets.UTF_8));
            }
            case NbdConstants.NBD_REP_INFO -> {
                return parseInfo(in, option, data);
            }
            case NbdConstants.NBD_REP_META_CONTEXT -> {
                if (len < 4) {
                    throw fail(in, "NBD_REP_META_CONTEXT of " + len + " bytes, need at least 4");
                }
                int id = data.readInt();
                return new HandshakeReply.MetaContext(option, id, data.toString(StandardCharsets.UTF_8));
            }
            default -> throw fail(in, "unknown option reply type 0x" + Integer.toHexString(replyType)
                    + " to option " + option);
        }
    }

    private HandshakeReply.OptionReply parseInfo(ByteBuf in, int option, ByteBuf data) {
        if (data.readableBytes() < 2) {
            throw fail(in, "NBD_REP_INFO of " + data.readableBytes() + " bytes, need at least 2");
        }
        int info = data.readUnsignedShort();
        int rest = data.readableBytes();
        switch (info) {
            case NbdConstants.NBD_INFO_EXPORT -> {
                requireInfoLength(in, "NBD_INFO_EXPORT", rest, 10);
                return new HandshakeReply.ExportInfo(option, data.readLong(), data.readUnsignedShort());
            }
            case NbdConstants.NBD_INFO_NAME -> {
                return new HandshakeReply.NameInfo(option, data.toString(StandardCharsets.UTF_8));
            }
            case NbdConstants.NBD_INFO_DESCRIPTION -> {
                return new HandshakeReply.DescriptionInfo(option, data.toString(StandardCharsets.UTF_8));
            }
            case NbdConstants.NBD_INFO_BLOCK_SIZE -> {
                requireInfoLength(in, "NBD_INFO_BLOCK_SIZE", rest, 12);
                return new HandshakeReply.BlockSizeInfo(option, data.readUnsignedInt(), data.readUnsignedInt(),
                        data.readUnsignedInt());
            }
            default -> {
                return new HandshakeReply.UnknownInfo(option, info);
            }
        }
    }

    private void requireInfoLength(ByteBuf in, String what, int actual, int expected) {
        if (actual != expected) {
            throw fail(in, what + " carries " + actual + " bytes after its type, expected " + expected);
        }
    }

    private void decodeExportNameReply(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < EXPORT_NAME_REPLY_LENGTH + exportNamePadding) {
            return;
        }
        long size = in.readLong();
        int flags = in.readUnsignedShort();
        in.skipBytes(exportNamePadding);
        state = State.OPTION_REPLY_HEADER;
        out.add(new HandshakeReply.ExportNameReply(size, flags));
    }

    private NbdProtocolException fail(ByteBuf in, String message) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        return new NbdProtocolException(message);
    }
}
