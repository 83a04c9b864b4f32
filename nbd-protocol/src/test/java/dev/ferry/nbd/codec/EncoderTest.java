package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.*;
import static dev.ferry.nbd.codec.Bytes.drain;
import static dev.ferry.nbd.codec.Bytes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Handshake and reply encoders against hand-written wire fixtures. */
class EncoderTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final RequestHeader READ_REQ = new RequestHeader(0, NBD_CMD_READ, 0x1122, 0x2000, 0x1000, false);

    private static byte[] handshake(ServerHandshakeMessage m) {
        ByteBuf out = Unpooled.buffer();
        HandshakeEncoder.encode(m, out);
        return drain(out);
    }

    @Test
    void greetingOffersFixedNewstyleAndNoZeroes() {
        assertThat(handshake(new ServerGreeting(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES))).isEqualTo(hex("""
                4e42444d41474943   # NBDMAGIC
                49484156454F5054   # IHAVEOPT
                0003               # FIXED_NEWSTYLE | NO_ZEROES
                """));
    }

    @Test
    void optionRepliesCarryMagicOptionTypeAndData() {
        assertThat(handshake(OptionReply.infoBlockSize(NBD_OPT_GO, BlockSizeConstraints.DEFAULT))).isEqualTo(hex("""
                0003e889045565a9   # option reply magic
                00000007           # NBD_OPT_GO
                00000003           # NBD_REP_INFO
                0000000e           # length 14
                0003               # NBD_INFO_BLOCK_SIZE
                00000001 00001000 02000000   # 1, 4096, 32 MiB
                """));
        assertThat(handshake(OptionReply.server(NBD_OPT_LIST, "a", "b"))).isEqualTo(hex(
                "0003e889045565a9 00000003 00000002 00000006 00000001 61 62"));
        assertThat(handshake(OptionReply.error(99, NBD_REP_ERR_UNSUP, ""))).isEqualTo(hex(
                "0003e889045565a9 00000063 80000001 00000000"));
    }

    @Test
    void exportNameReplyPadsUnlessNoZeroes() {
        byte[] padded = handshake(new ExportNameReply(1 << 20, 0x0d, false));
        assertThat(padded).hasSize(10 + EXPORT_NAME_PADDING);
        assertThat(handshake(new ExportNameReply(1 << 20, 0x0d, true))).isEqualTo(hex("0000000000100000 000d"));
    }

    @Test
    void simpleReplyIsSixteenBytes() {
        assertThat(drain(ReplyEncoder.simple(ALLOC, new SimpleReply(0x1122, NBD_EIO)))).isEqualTo(hex("""
                67446698           # NBD_SIMPLE_REPLY_MAGIC
                00000005           # EIO
                0000000000001122   # cookie
                """));
    }

    @Test
    void structuredChunksForDataHoleErrorAndNone() {
        assertThat(drain(ReplyEncoder.offsetData(ALLOC, ReplyFormat.STRUCTURED, 0, READ_REQ, 0x2000, 0x1000)))
                .isEqualTo(hex("""
                        668e33ef 0000 0001 0000000000001122   # magic, flags 0, OFFSET_DATA, cookie
                        00001008                              # length 8 + 4096
                        0000000000002000                      # offset; data follows separately
                        """));
        assertThat(drain(ReplyEncoder.offsetHole(ALLOC, ReplyFormat.STRUCTURED, NBD_REPLY_FLAG_DONE, READ_REQ,
                0x2000, 0x1000))).isEqualTo(hex(
                        "668e33ef 0001 0002 0000000000001122 0000000c 0000000000002000 00001000"));
        assertThat(drain(ReplyEncoder.error(ALLOC, ReplyFormat.STRUCTURED, READ_REQ, NBD_EINVAL, "x")))
                .isEqualTo(hex("668e33ef 0001 8001 0000000000001122 00000007 00000016 0001 78"));
        assertThat(drain(ReplyEncoder.none(ALLOC, ReplyFormat.STRUCTURED, READ_REQ)))
                .isEqualTo(hex("668e33ef 0001 0000 0000000000001122 00000000"));
    }

    @Test
    void extendedChunksEchoTheRequestOffsetWithSixtyFourBitLengths() {
        assertThat(drain(ReplyEncoder.none(ALLOC, ReplyFormat.EXTENDED, READ_REQ))).isEqualTo(hex("""
                6e8a278c 0001 0000 0000000000001122   # magic, DONE, NONE, cookie
                0000000000002000                      # request offset
                0000000000000000                      # length 0
                """));
        assertThat(drain(ReplyEncoder.offsetHole(ALLOC, ReplyFormat.EXTENDED, 0, READ_REQ, 0x3000, 0x1000)))
                .isEqualTo(hex("""
                        6e8a278c 0000 0002 0000000000001122   # magic, flags 0, OFFSET_HOLE, cookie
                        0000000000002000 000000000000000c     # request offset, length 12
                        0000000000003000 00001000             # hole offset, hole size
                        """));
        assertThat(drain(ReplyEncoder.offsetData(ALLOC, ReplyFormat.EXTENDED, NBD_REPLY_FLAG_DONE, READ_REQ,
                0x4000, 0x800))).isEqualTo(hex("""
                        6e8a278c 0001 0001 0000000000001122   # magic, DONE, OFFSET_DATA, cookie
                        0000000000002000 0000000000000808     # request offset, length 8 + 2048
                        0000000000004000                      # data offset; data follows separately
                        """));
        assertThat(drain(ReplyEncoder.blockStatus(ALLOC, ReplyFormat.EXTENDED, READ_REQ, 1,
                List.of(BlockStatusExtent.hole(0x1_0000_0000L))))).isEqualTo(hex("""
                6e8a278c 0001 0006 0000000000001122 0000000000002000 0000000000000018
                00000001 00000001                     # context 1, 1 extent
                0000000100000000 0000000000000003     # 4 GiB, HOLE|ZERO
                """));
    }

    @Test
    void compactBlockStatusUsesThirtyTwoBitExtents() {
        assertThat(drain(ReplyEncoder.blockStatus(ALLOC, ReplyFormat.STRUCTURED, READ_REQ, 1,
                List.of(BlockStatusExtent.data(0x1000), BlockStatusExtent.hole(0x2000))))).isEqualTo(hex("""
                668e33ef 0001 0005 0000000000001122 00000014
                00000001                              # context id
                00001000 00000000 00002000 00000003   # (4096, data) (8192, hole|zero)
                """));
    }

    @Test
    void statusRepliesAreSimpleUnlessExtended() {
        assertThat(drain(ReplyEncoder.status(ALLOC, ReplyFormat.STRUCTURED, READ_REQ, NBD_EPERM, "ro")))
                .isEqualTo(hex("67446698 00000001 0000000000001122"));
        assertThat(drain(ReplyEncoder.status(ALLOC, ReplyFormat.EXTENDED, READ_REQ, NBD_EPERM, "")))
                .isEqualTo(hex("6e8a278c 0001 8001 0000000000001122 0000000000002000 0000000000000006 00000001 0000"));
    }
}
