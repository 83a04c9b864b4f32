package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_DISC;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_FLAG_DONE;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_ERROR;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_NONE;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_OFFSET_DATA;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_OFFSET_HOLE;
import static dev.ferry.nbd.client.Fixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.NbdConstants;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The transmission pipeline (decoder, encoder, handler) on an EmbeddedChannel with scripted server replies. */
class TransmissionPipelineTest {

    private TransmissionHandler handler;
    private EmbeddedChannel ch;

    private void open(int maxInFlight, int maxQueued) {
        open(maxInFlight, maxQueued, ReplyFormat.STRUCTURED);
    }

    private void open(int maxInFlight, int maxQueued, ReplyFormat format) {
        handler = new TransmissionHandler(maxInFlight, maxQueued, Set.of(1));
        ch = new EmbeddedChannel(new ReplyDecoder(format, handler::expected),
                new NbdRequestEncoder(format == ReplyFormat.EXTENDED), handler);
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    private CompletableFuture<RawReply> submit(int type, long offset, long length, ByteBuf payload) {
        PendingRequest p = new PendingRequest(type, 0, offset, length, payload);
        handler.submit(p);
        return p.future();
    }

    /** All bytes written so far, as hex; the outbound buffers are released. */
    private String written() {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            sb.append(ByteBufUtil.hexDump(b));
            b.release();
        }
        return sb.toString();
    }

    private static byte[] chunk(int flags, int type, long cookie, byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(NbdConstants.NBD_STRUCTURED_REPLY_MAGIC).writeShort(flags).writeShort(type).writeLong(cookie)
                .writeInt(payload.length).writeBytes(payload);
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    private static byte[] data(long offset, byte[] bytes) {
        return Fixtures.concat(Unpooled.copyLong(offset).array(), bytes);
    }

    private void reply(byte[]... chunks) {
        ch.writeInbound(Unpooled.wrappedBuffer(Fixtures.concat(chunks)));
    }

    private static String hexOf(RawReply r) {
        try {
            return ByteBufUtil.hexDump(r.data());
        } finally {
            r.release();
        }
    }

    @Test
    void requestsAreEncodedWithHeaderThenPayload() {
        open(8, 8);
        submit(NBD_CMD_WRITE, 0x10, 4, Unpooled.wrappedBuffer(new byte[] {'a', 'b', 'c', 'd'}));
        assertThat(written()).isEqualTo(ByteBufUtil.hexDump(hex(
                "25609513",            // NBD_REQUEST_MAGIC
                "0000",                // flags
                "0001",                // NBD_CMD_WRITE
                "0000000000000001",    // cookie 1
                "0000000000000010",    // offset 16
                "00000004",            // length 4
                "61626364")));         // payload "abcd"
        EmbeddedChannel ext = new EmbeddedChannel(new NbdRequestEncoder(true));
        ext.writeOutbound(new NbdRequest(NbdConstants.NBD_CMD_FLAG_FUA, NbdConstants.NBD_CMD_TRIM, 9, 0x200, 1L << 33,
                null));
        ByteBuf header = ext.readOutbound();
        assertThat(ByteBufUtil.hexDump(header)).isEqualTo(ByteBufUtil.hexDump(hex(
                "21e41c71",            // NBD_EXTENDED_REQUEST_MAGIC
                "0001",                // FUA
                "0004",                // NBD_CMD_TRIM
                "0000000000000009",    // cookie 9
                "0000000000000200",    // offset 512
                "0000000200000000"))); // length 8 GiB (u64)
        header.release();
        assertThat(ext.finish()).isFalse();
    }

    @Test
    void outOfOrderRepliesCompleteTheRightRequestsAndHolesReadAsZeroes() {
        open(8, 8);
        CompletableFuture<RawReply> r1 = submit(NBD_CMD_READ, 0, 8, null);
        CompletableFuture<RawReply> r2 = submit(NBD_CMD_READ, 100, 4, null);
        CompletableFuture<RawReply> r3 = submit(NBD_CMD_READ, 200, 4, null);
        written();
        reply(chunk(NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_OFFSET_DATA, 3, data(200, hex("33333333"))));
        assertThat(r3).isDone();
        assertThat(r1).isNotDone();
        reply(chunk(0, NBD_REPLY_TYPE_OFFSET_DATA, 1, data(4, hex("11111111"))),
                chunk(0, NBD_REPLY_TYPE_ERROR, 2, hex("00000005", "0000")),
                chunk(0, NBD_REPLY_TYPE_OFFSET_HOLE, 1, hex("0000000000000000", "00000004")),
                chunk(NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE, 2, new byte[0]),
                chunk(NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE, 1, new byte[0]));
        assertThat(hexOf(r3.join())).isEqualTo("33333333");
        assertThat(hexOf(r1.join())).isEqualTo("0000000011111111");
        assertThat(r2.join().error()).isEqualTo(NbdConstants.NBD_EIO);
        assertThat(handler.inFlightCount()).isZero();
    }

    @Test
    void extendedRepliesAssembleReadsAndBlockStatus() {
        open(8, 8, ReplyFormat.EXTENDED);
        CompletableFuture<RawReply> read = submit(NBD_CMD_READ, 0x2000, 8, null);
        CompletableFuture<RawReply> status = submit(NbdConstants.NBD_CMD_BLOCK_STATUS, 0, 1L << 33, null);
        assertThat(written()).startsWith("21e41c71");                   // extended request magic
        reply(hex("6e8a278c", "0000", "0002", "0000000000000001", "0000000000002000", "000000000000000c",
                        "0000000000002004", "00000004"),              // OFFSET_HOLE [0x2004, +4)
                hex("6e8a278c", "0001", "0006", "0000000000000002", "0000000000000000", "0000000000000018",
                        "00000001", "00000001", "0000000200000000", "0000000000000003"), // 8 GiB hole|zero
                hex("6e8a278c", "0001", "0001", "0000000000000001", "0000000000002000", "000000000000000c",
                        "0000000000002000", "abcdef01"));              // OFFSET_DATA [0x2000, +4), DONE
        assertThat(hexOf(read.join())).isEqualTo("abcdef0100000000");
        assertThat(status.join().blockStatus().get(1))
                .containsExactly(dev.ferry.nbd.export.BlockStatusExtent.hole(1L << 33));
    }

    @Test
    void overlappingChunksFailTheConnectionAndEveryPendingRequest() {
        open(8, 8);
        CompletableFuture<RawReply> read = submit(NBD_CMD_READ, 0, 16, null);
        CompletableFuture<RawReply> flush = submit(NBD_CMD_FLUSH, 0, 0, null);
        written();
        reply(chunk(0, NBD_REPLY_TYPE_OFFSET_DATA, 1, data(0, new byte[8])),
                chunk(0, NBD_REPLY_TYPE_OFFSET_DATA, 1, data(4, new byte[8])));
        assertThat(read).isCompletedExceptionally();
        assertThat(read.handle((r, e) -> e).join()).isInstanceOf(NbdProtocolException.class)
                .hasMessageContaining("overlaps an earlier chunk");
        assertThat(flush.handle((r, e) -> e).join()).isInstanceOf(NbdConnectionClosedException.class)
                .hasCauseInstanceOf(NbdProtocolException.class);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void readThatLeavesAGapFailsTheConnection() {
        open(8, 8);
        CompletableFuture<RawReply> read = submit(NBD_CMD_READ, 0, 16, null);
        written();
        reply(chunk(0, NBD_REPLY_TYPE_OFFSET_DATA, 1, data(0, new byte[8])),
                chunk(NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE, 1, new byte[0]));
        assertThat(read.handle((r, e) -> e).join()).isInstanceOf(NbdProtocolException.class)
                .hasMessageContaining("completed with only 8 bytes");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void inFlightLimitQueuesThenRejectsWithoutBlocking() {
        open(2, 1);
        List<CompletableFuture<RawReply>> flushes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            flushes.add(submit(NBD_CMD_FLUSH, 0, 0, null));
        }
        assertThat(written()).hasSize(2 * 2 * 28);
        assertThat(flushes.get(3).handle((r, e) -> e).join()).isInstanceOf(RejectedExecutionException.class);
        reply(hex("67446698", "00000000", "0000000000000002"));   // simple reply for cookie 2
        assertThat(flushes.get(1).join().ok()).isTrue();
        assertThat(written()).contains("0000000000000003");       // the queued request went out as cookie 3
        assertThat(flushes.get(0)).isNotDone();
    }

    @Test
    void disconnectWaitsForPendingRequestsThenSendsDisc() {
        open(8, 8);
        CompletableFuture<RawReply> flush = submit(NBD_CMD_FLUSH, 0, 0, null);
        written();
        handler.disconnect();
        assertThat(submit(NBD_CMD_FLUSH, 0, 0, null).handle((r, e) -> e).join())
                .isInstanceOf(IllegalStateException.class);
        assertThat(written()).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        reply(hex("67446698", "00000000", "0000000000000001"));
        assertThat(flush.join().ok()).isTrue();
        assertThat(written()).isEqualTo(ByteBufUtil.hexDump(hex(
                "25609513", "0000", String.format("%04x", NBD_CMD_DISC), "0000000000000002",
                "0000000000000000", "00000000")));
        assertThat(ch.isOpen()).isFalse();
        assertThat(handler.closedFuture()).isDone();
    }

    @Test
    void closingTheChannelFailsPendingRequestsAndReleasesQueuedPayloads() {
        open(1, 8);
        CompletableFuture<RawReply> first = submit(NBD_CMD_READ, 0, 8, null);
        ByteBuf payload = Unpooled.wrappedBuffer(new byte[16]);
        CompletableFuture<RawReply> queued = submit(NBD_CMD_WRITE, 0, 16, payload);
        written();
        reply(chunk(0, NBD_REPLY_TYPE_OFFSET_DATA, 1, data(0, new byte[4])));
        ch.close();
        assertThat(first.handle((r, e) -> e).join()).isInstanceOf(NbdConnectionClosedException.class);
        assertThat(queued.handle((r, e) -> e).join()).isInstanceOf(NbdConnectionClosedException.class);
        assertThat(payload.refCnt()).isZero();
    }
}
