package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_BLOCK_STATUS;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_REQ_ONE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.client.Fixtures.buf;
import static dev.ferry.nbd.client.Fixtures.concat;
import static dev.ferry.nbd.client.Fixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.nbd.codec.ReplyFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ReplyDecoder} on hand-written replies: every kind, split anywhere, batched, and malformed. */
class ReplyDecoderTest {

    /** The requests the fixtures answer, by cookie. */
    static final Map<Long, ExpectedReply> PENDING = Map.of(
            1L, new ExpectedReply(NBD_CMD_WRITE, 0, 0, 512),
            2L, new ExpectedReply(NBD_CMD_READ, 0, 0, 4),
            3L, new ExpectedReply(NBD_CMD_READ, 0, 0x1000, 16),
            4L, new ExpectedReply(NBD_CMD_BLOCK_STATUS, 0, 0, 0x20000),
            5L, new ExpectedReply(NBD_CMD_WRITE, 0, 0, 4096),
            6L, new ExpectedReply(NBD_CMD_READ, 0, 0x2000, 8),
            7L, new ExpectedReply(NBD_CMD_BLOCK_STATUS, 0, 0, 0x10000),
            8L, new ExpectedReply(NBD_CMD_BLOCK_STATUS, NBD_CMD_FLAG_REQ_ONE, 0, 0x1000));

    static final byte[] SIMPLE_WRITE_OK = hex(
            "67446698",            // NBD_SIMPLE_REPLY_MAGIC
            "00000000",            // error 0
            "0000000000000001");   // cookie 1 (WRITE)

    static final byte[] SIMPLE_WRITE_ENOSPC = hex(
            "67446698",            // NBD_SIMPLE_REPLY_MAGIC
            "0000001c",            // error 28 = ENOSPC
            "0000000000000001");   // cookie 1

    static final byte[] SIMPLE_READ = hex(
            "67446698",            // NBD_SIMPLE_REPLY_MAGIC
            "00000000",            // error 0
            "0000000000000002",    // cookie 2 (READ of 4 bytes)
            "deadbeef");           // the 4 bytes of data

    static final byte[] STRUCTURED_READ = hex(
            "668e33ef",            // NBD_STRUCTURED_REPLY_MAGIC
            "0000",                // flags: not done
            "0001",                // NBD_REPLY_TYPE_OFFSET_DATA
            "0000000000000003",    // cookie 3 (READ [0x1000, +16))
            "00000010",            // length 16 = offset + 8 data bytes
            "0000000000001008",    // offset 0x1008
            "0102030405060708",    // data
            "668e33ef",            // NBD_STRUCTURED_REPLY_MAGIC
            "0000",                // flags: not done
            "0002",                // NBD_REPLY_TYPE_OFFSET_HOLE
            "0000000000000003",    // cookie 3
            "0000000c",            // length 12
            "0000000000001000",    // offset 0x1000
            "00000008",            // hole of 8 bytes
            "668e33ef",            // NBD_STRUCTURED_REPLY_MAGIC
            "0001",                // flags: NBD_REPLY_FLAG_DONE
            "0000",                // NBD_REPLY_TYPE_NONE
            "0000000000000003",    // cookie 3
            "00000000");           // length 0

    static final byte[] BLOCK_STATUS = hex(
            "668e33ef",            // NBD_STRUCTURED_REPLY_MAGIC
            "0001",                // flags: DONE
            "0005",                // NBD_REPLY_TYPE_BLOCK_STATUS
            "0000000000000004",    // cookie 4 (BLOCK_STATUS [0, +128 KiB))
            "00000014",            // length 20 = id + 2 extents
            "00000001",            // context id 1
            "00010000", "00000003", // 64 KiB hole|zero
            "00010000", "00000000"); // 64 KiB data

    static final byte[] ERROR_CHUNK = hex(
            "668e33ef",            // NBD_STRUCTURED_REPLY_MAGIC
            "0001",                // flags: DONE
            "8001",                // NBD_REPLY_TYPE_ERROR
            "0000000000000005",    // cookie 5 (WRITE)
            "0000000b",            // length 11 = error + message length + 5
            "0000001c",            // ENOSPC
            "0005",                // message length 5
            "66756c6c21");         // "full!"

    static final byte[] ERROR_OFFSET_CHUNK = hex(
            "668e33ef",            // NBD_STRUCTURED_REPLY_MAGIC
            "0001",                // flags: DONE
            "8002",                // NBD_REPLY_TYPE_ERROR_OFFSET
            "0000000000000003",    // cookie 3 (READ [0x1000, +16))
            "00000011",            // length 17 = error + length + 3 + offset
            "00000005",            // EIO
            "0003",                // message length 3
            "626164",              // "bad"
            "0000000000001004");   // offset 0x1004

    static final byte[] EXTENDED_READ = hex(
            "6e8a278c",            // NBD_EXTENDED_REPLY_MAGIC
            "0001",                // flags: DONE
            "0001",                // NBD_REPLY_TYPE_OFFSET_DATA
            "0000000000000006",    // cookie 6 (READ [0x2000, +8))
            "0000000000002000",    // request offset, echoed
            "0000000000000010",    // length 16 (u64)
            "0000000000002000",    // data offset 0x2000
            "1112131415161718");   // data

    static final byte[] EXTENDED_BLOCK_STATUS = hex(
            "6e8a278c",            // NBD_EXTENDED_REPLY_MAGIC
            "0001",                // flags: DONE
            "0006",                // NBD_REPLY_TYPE_BLOCK_STATUS_EXT
            "0000000000000007",    // cookie 7 (BLOCK_STATUS [0, +64 KiB))
            "0000000000000000",    // request offset, echoed
            "0000000000000018",    // length 24 = id + count + 1 extent
            "00000001",            // context id 1
            "00000001",            // 1 extent
            "0000000000010000",    // 64 KiB
            "0000000000000002");   // NBD_STATE_ZERO

    private static EmbeddedChannel channel(ReplyFormat format) {
        return new EmbeddedChannel(new ReplyDecoder(format, PENDING::get));
    }

    /** Renders a reply with its data as hex, releasing the data. */
    private static String describe(Object msg) {
        NbdReply reply = (NbdReply) msg;
        String text;
        if (reply instanceof NbdReply.Simple s) {
            text = "Simple[cookie=" + s.cookie() + ", error=" + s.error() + "]"
                    + (s.data() == null ? "" : " data=" + ByteBufUtil.hexDump(s.data()));
        } else if (reply instanceof NbdReply.OffsetData d) {
            text = "OffsetData[cookie=" + d.cookie() + ", flags=" + d.flags() + ", offset=" + d.offset() + "] data="
                    + ByteBufUtil.hexDump(d.data());
        } else {
            text = reply.toString();
        }
        reply.releaseData();
        return text;
    }

    private static List<String> decodeAll(ReplyFormat format, byte[]... writes) {
        EmbeddedChannel ch = channel(format);
        List<String> out = new ArrayList<>();
        for (byte[] w : writes) {
            ch.writeInbound(buf(w));
            for (Object m; (m = ch.readInbound()) != null; ) {
                out.add(describe(m));
            }
        }
        assertThat(ch.finish()).isFalse();
        return out;
    }

    /** Decodes whole, then split at every byte boundary, and checks every split gives the same replies. */
    private static List<String> decodeSplitEverywhere(ReplyFormat format, byte[] bytes) {
        List<String> whole = decodeAll(format, bytes);
        for (int i = 1; i < bytes.length; i++) {
            byte[] a = java.util.Arrays.copyOfRange(bytes, 0, i);
            byte[] b = java.util.Arrays.copyOfRange(bytes, i, bytes.length);
            assertThat(decodeAll(format, a, b)).as("split at %d", i).isEqualTo(whole);
        }
        return whole;
    }

    @Test
    void simpleReplyToWriteSplitAnywhere() {
        assertThat(decodeSplitEverywhere(ReplyFormat.SIMPLE, SIMPLE_WRITE_OK))
                .containsExactly("Simple[cookie=1, error=0]");
        assertThat(decodeSplitEverywhere(ReplyFormat.STRUCTURED, SIMPLE_WRITE_ENOSPC))
                .containsExactly("Simple[cookie=1, error=28]");
    }

    @Test
    void simpleReplyToReadCarriesExactlyTheRequestedLength() {
        assertThat(decodeSplitEverywhere(ReplyFormat.SIMPLE, SIMPLE_READ))
                .containsExactly("Simple[cookie=2, error=0] data=deadbeef");
    }

    @Test
    void structuredReadChunksSplitAnywhere() {
        assertThat(decodeSplitEverywhere(ReplyFormat.STRUCTURED, STRUCTURED_READ)).containsExactly(
                "OffsetData[cookie=3, flags=0, offset=4104] data=0102030405060708",
                "OffsetHole[cookie=3, flags=0, offset=4096, length=8]",
                "None[cookie=3, flags=1]");
    }

    @Test
    void blockStatusChunkSplitAnywhere() {
        assertThat(decodeSplitEverywhere(ReplyFormat.STRUCTURED, BLOCK_STATUS)).containsExactly(
                "BlockStatus[cookie=4, flags=1, contextId=1, extents=[BlockStatusExtent[length=65536, flags=3], "
                        + "BlockStatusExtent[length=65536, flags=0]]]");
    }

    @Test
    void errorChunksSplitAnywhere() {
        assertThat(decodeSplitEverywhere(ReplyFormat.STRUCTURED, ERROR_CHUNK)).containsExactly(
                "Error[cookie=5, flags=1, chunkType=32769, error=28, message=full!, offset=-1]");
        assertThat(decodeSplitEverywhere(ReplyFormat.STRUCTURED, ERROR_OFFSET_CHUNK)).containsExactly(
                "Error[cookie=3, flags=1, chunkType=32770, error=5, message=bad, offset=4100]");
    }

    @Test
    void extendedRepliesSplitAnywhere() {
        assertThat(decodeSplitEverywhere(ReplyFormat.EXTENDED, EXTENDED_READ)).containsExactly(
                "OffsetData[cookie=6, flags=1, offset=8192] data=1112131415161718");
        assertThat(decodeSplitEverywhere(ReplyFormat.EXTENDED, EXTENDED_BLOCK_STATUS)).containsExactly(
                "BlockStatus[cookie=7, flags=1, contextId=1, extents=[BlockStatusExtent[length=65536, flags=2]]]");
    }

    @Test
    void twoRepliesInOneBuffer() {
        assertThat(decodeAll(ReplyFormat.SIMPLE, concat(SIMPLE_READ, SIMPLE_WRITE_OK))).containsExactly(
                "Simple[cookie=2, error=0] data=deadbeef", "Simple[cookie=1, error=0]");
        assertThat(decodeAll(ReplyFormat.STRUCTURED, concat(SIMPLE_WRITE_OK, BLOCK_STATUS))).hasSize(2);
    }

    /** Feeds a malformed reply and checks the precise error, that nothing leaked, and that input is then ignored. */
    private static void assertRejected(ReplyFormat format, byte[] bytes, String message) {
        EmbeddedChannel ch = channel(format);
        ByteBuf in = buf(bytes);
        assertThatThrownBy(() -> ch.writeInbound(in)).isInstanceOf(NbdProtocolException.class)
                .hasMessageContaining(message);
        assertThat(in.refCnt()).isZero();
        assertThat((Object) ch.readInbound()).isNull();
        ByteBuf more = buf(SIMPLE_WRITE_OK);
        ch.writeInbound(more);
        assertThat((Object) ch.readInbound()).as("input after a violation is discarded").isNull();
        assertThat(more.refCnt()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void replyForUnknownCookieFailsTheConnection() {
        assertRejected(ReplyFormat.SIMPLE, hex("67446698", "00000000", "0000000000000063"),
                "simple reply for unknown cookie 0x63");
    }

    @Test
    void badMagicFailsTheConnection() {
        assertRejected(ReplyFormat.STRUCTURED, hex("12345678", "00000000", "0000000000000001"),
                "bad reply magic 0x12345678");
        assertRejected(ReplyFormat.SIMPLE, STRUCTURED_READ, "bad reply magic 0x668e33ef for SIMPLE replies");
        assertRejected(ReplyFormat.EXTENDED, SIMPLE_WRITE_OK, "simple reply after extended headers");
    }

    @Test
    void chunkLongerThanTheRequestFailsBeforeItsPayloadArrives() {
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0001", "0001", "0000000000000003",
                "fffffff0"),                       // claims ~4 GiB for a 16-byte READ; no payload follows
                "claims 4294967280 bytes; at most 24 fit");
        assertRejected(ReplyFormat.EXTENDED, hex(
                "6e8a278c", "0001", "0001", "0000000000000006", "0000000000002000",
                "7fffffffffffffff"),               // 2^63 - 1 bytes
                "claims 9223372036854775807 bytes");
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0001", "0005", "0000000000000008",
                "00000014"),                       // two extents for a REQ_ONE request
                "at most 12 fit");
    }

    @Test
    void offsetDataOutsideTheRequestFailsTheConnection() {
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0001", "0001", "0000000000000003", "00000010",
                "0000000000001009",                // [0x1009, +8) ends past [0x1000, +16)
                "0102030405060708"),
                "OFFSET_DATA [4105, +8) for cookie 0x3 lies outside the request [4096, +16)");
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0001", "0002", "0000000000000003", "0000000c",
                "0000000000000ff8", "00000008"),   // hole before the request
                "OFFSET_HOLE [4088, +8)");
    }

    @Test
    void chunkKindsThatCannotAnswerTheRequestFailTheConnection() {
        assertRejected(ReplyFormat.STRUCTURED, SIMPLE_READ, "simple reply to READ cookie 0x2 after structured");
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0001", "0005", "0000000000000003", "0000000c", "00000001", "00000010", "00000000"),
                "NBD_REPLY_TYPE_BLOCK_STATUS for cookie 0x3 answering NBD_CMD_READ");
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0000", "0000", "0000000000000001", "00000000"),
                "NONE chunk without DONE");
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0001", "0007", "0000000000000001", "00000000"),
                "unknown chunk type 7");
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0001", "8001", "0000000000000005", "00000006", "00000000", "0000"),
                "NBD_REPLY_TYPE_ERROR with error value 0");
        assertRejected(ReplyFormat.STRUCTURED, hex(
                "668e33ef", "0001", "8001", "0000000000000005", "00000008", "00000005", "0009", "6869"),
                "message length 9 does not fit");
        assertRejected(ReplyFormat.EXTENDED, hex(
                "6e8a278c", "0001", "0000", "0000000000000006", "0000000000000000", "0000000000000000"),
                "echoes offset 0, request offset was 8192");
    }
}
