package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.*;
import static dev.ferry.nbd.codec.Bytes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.testing.Seeds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The transmission request decoder on hand-written fixtures: compact and extended headers. */
class RequestDecoderTest {

    static final int FLAGS = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_TRIM
            | NBD_FLAG_SEND_WRITE_ZEROES | NBD_FLAG_SEND_DF;
    static final NegotiatedSession COMPACT = new NegotiatedSession(1 << 20, FLAGS, true, false, OptionalInt.of(1),
            BlockSizeConstraints.DEFAULT);
    static final NegotiatedSession EXTENDED = new NegotiatedSession(1 << 20, FLAGS, true, true, OptionalInt.of(1),
            BlockSizeConstraints.DEFAULT);

    static final byte[] READ = hex("""
            25609513           # NBD_REQUEST_MAGIC
            0000 0000          # flags 0, NBD_CMD_READ
            0000000000000001   # cookie 1
            0000000000001000   # offset 4096
            00000200           # length 512
            """);

    static final byte[] WRITE_FUA = hex("""
            25609513           # NBD_REQUEST_MAGIC
            0001 0001          # NBD_CMD_FLAG_FUA, NBD_CMD_WRITE
            0000000000000002   # cookie 2
            0000000000000000   # offset 0
            00000004           # length 4
            deadbeef           # payload
            """);

    static final byte[] EXTENDED_WRITE = hex("""
            21e41c71           # NBD_EXTENDED_REQUEST_MAGIC
            0020 0001          # NBD_CMD_FLAG_PAYLOAD_LEN, NBD_CMD_WRITE
            0000000000000003   # cookie 3
            0000000000000010   # offset 16
            0000000000000002   # length 2 (u64)
            cafe               # payload
            """);

    static final byte[] WRITE_PAST_END = hex("""
            25609513 0000 0001 0000000000000004
            00000000000ffffe   # offset 1 MiB - 2
            00000004           # length 4: two bytes past the end
            01020304           # payload, to be skipped
            """);

    static final byte[] FLUSH = hex("25609513 0000 0003 0000000000000005 0000000000000000 00000000");

    private static List<String> decode(NegotiatedSession session, byte[] bytes, int... splits) {
        return Bytes.decode(() -> new EmbeddedChannel(new RequestDecoder(session)), bytes, splits).stream()
                .map(RequestDecoderTest::describe).collect(Collectors.toList());
    }

    /** A comparable description of a decoded message; releases it. */
    private static String describe(Object o) {
        if (o instanceof NbdRequest r) {
            try {
                if (r.payload().isReadable()) { // exports hand it to positional file I/O as it is
                    assertThat(r.payload().isDirect()).as("direct payload").isTrue();
                    assertThat(r.payload().nioBufferCount()).as("contiguous payload").isEqualTo(1);
                }
                return r.header() + " payload=" + ByteBufUtil.hexDump(r.payload());
            } finally {
                r.release();
            }
        }
        if (o instanceof RejectedRequest r) {
            return "rejected " + r.header().cookie() + " error " + r.error() + " close " + r.closeAfterReply();
        }
        return o.toString();
    }

    @Test
    void decodesCompactReadAndWriteWithPayload() {
        assertThat(decode(COMPACT, Bytes.concat(READ, WRITE_FUA))).containsExactly(
                new RequestHeader(0, NBD_CMD_READ, 1, 4096, 512, false) + " payload=",
                new RequestHeader(1, NBD_CMD_WRITE, 2, 0, 4, false) + " payload=deadbeef");
    }

    @Test
    void decodesExtendedWriteWithPayloadLength() {
        assertThat(decode(EXTENDED, EXTENDED_WRITE)).containsExactly(
                new RequestHeader(NBD_CMD_FLAG_PAYLOAD_LEN, NBD_CMD_WRITE, 3, 16, 2, true) + " payload=cafe");
    }

    @Test
    void shouldHandleNonUniformNetworkBatches() {
        byte[] all = Bytes.concat(READ, WRITE_FUA, WRITE_PAST_END, FLUSH);
        List<String> expected = decode(COMPACT, all);
        assertThat(expected).hasSize(4);
        for (int i = 1; i < all.length; i++) {
            assertThat(decode(COMPACT, all, i)).as("split at %d", i).isEqualTo(expected);
        }
        int[] everyByte = new int[all.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(decode(COMPACT, all, everyByte)).isEqualTo(expected);
    }

    @Test
    void shouldHandleTwoRequestsInOneBatch() {
        assertThat(decode(COMPACT, Bytes.concat(FLUSH, FLUSH))).hasSize(2).allMatch(s -> s.contains("cookie=5"));
    }

    @Test
    void rejectedWritePayloadIsSkippedAndTheStreamStaysInSync() {
        assertThat(decode(COMPACT, Bytes.concat(WRITE_PAST_END, FLUSH)))
                .containsExactly("rejected 4 error " + NBD_ENOSPC + " close false",
                        new RequestHeader(0, NBD_CMD_FLUSH, 5, 0, 0, false) + " payload=");
    }

    @Test
    void anExtendedPayloadOnACommandWithoutOneIsRejectedAndSkipped() {
        byte[] statusWithPayload = hex("""
                21e41c71           # NBD_EXTENDED_REQUEST_MAGIC
                0020 0007          # NBD_CMD_FLAG_PAYLOAD_LEN, NBD_CMD_BLOCK_STATUS
                0000000000000007   # cookie 7
                0000000000000000   # offset 0
                0000000000000008   # payload length 8
                0102030405060708   # payload, to be skipped
                """);
        assertThat(decode(EXTENDED, Bytes.concat(statusWithPayload, EXTENDED_WRITE)))
                .containsExactly("rejected 7 error " + NBD_EINVAL + " close false",
                        new RequestHeader(NBD_CMD_FLAG_PAYLOAD_LEN, NBD_CMD_WRITE, 3, 16, 2, true) + " payload=cafe");
    }

    @Test
    void writeTooLargeToSkipIsRejectedWithAClose() {
        byte[] huge = hex("25609513 0000 0001 0000000000000006 0000000000000000 ffffffff");
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(COMPACT));
        ch.writeInbound(Unpooled.wrappedBuffer(huge));
        assertThat(describe(ch.readInbound())).isEqualTo("rejected 6 error " + NBD_ENOSPC + " close true");
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[1 << 20]));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void badMagicLosesFramingOnce() {
        List<String> out = decode(COMPACT, Bytes.concat(hex("25609514"), new byte[24], READ));
        assertThat(out).hasSize(1);
        assertThat(out.get(0)).startsWith("FramingLost").contains("0x25609514");
    }

    @Test
    void compactHeaderIsRejectedAfterExtendedHeaders() {
        assertThat(decode(EXTENDED, Bytes.concat(READ, new byte[4]))).singleElement()
                .asString().startsWith("FramingLost");
    }

    @Test
    void largeWritePayloadGrowsOnlyAsItsBytesArrive() {
        long seed = Seeds.fresh();
        Random rnd = new Random(seed);
        int length = 3 * RequestDecoder.PAYLOAD_PREALLOCATION + 12345;
        NegotiatedSession session = new NegotiatedSession(64L << 20, FLAGS, true, false, OptionalInt.of(1),
                BlockSizeConstraints.DEFAULT);
        byte[] data = new byte[length];
        rnd.nextBytes(data);
        byte[] header = hex("25609513 0000 0001 0000000000000009 0000000000000000 " + String.format("%08x", length));
        byte[] all = Bytes.concat(header, data, FLUSH);
        RequestDecoder decoder = new RequestDecoder(session);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        int from = 0;
        while (from < all.length) {
            int n = Math.min(all.length - from, 1 + rnd.nextInt(256 * 1024));
            ch.writeInbound(Unpooled.wrappedBuffer(all, from, n));
            from += n;
            long arrived = Math.max(0, Math.min(from - header.length, length));
            if (arrived < length) {
                assertThat((long) decoder.bufferedBytes()).as("seed %d, %d of %d bytes in", seed, arrived, length)
                        .isLessThanOrEqualTo(Math.max(RequestDecoder.PAYLOAD_PREALLOCATION, 2 * arrived));
            }
        }
        NbdRequest write = ch.readInbound();
        try {
            assertThat(write.header().cookie()).isEqualTo(9);
            assertThat(write.payload().isDirect()).isTrue();
            assertThat(write.payload().nioBufferCount()).isEqualTo(1);
            assertThat(ByteBufUtil.getBytes(write.payload())).as("seed %d", seed).isEqualTo(data);
        } finally {
            write.release();
        }
        assertThat(describe(ch.readInbound())).contains("cookie=5");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aPartialWritePayloadIsReleasedWhenTheConnectionCloses() {
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(COMPACT));
        ch.config().setAllocator(alloc);
        ch.writeInbound(Unpooled.wrappedBuffer(WRITE_FUA, 0, WRITE_FUA.length - 1));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(alloc.metric().usedDirectMemory()).isEqualTo(4);
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(alloc.metric().usedDirectMemory()).isZero();
    }

    @Test
    void aSocketReadStraightIntoThePayloadTargetIsNotCopiedWhateverTheSplits() {
        byte[] payload = hex("00112233445566778899aabbccddeeff");
        byte[] header = hex("25609513 0000 0001 000000000000000a 0000000000000000 00000010");
        for (int split = 0; split <= payload.length; split++) {
            RequestDecoder decoder = new RequestDecoder(COMPACT);
            EmbeddedChannel ch = new EmbeddedChannel(decoder);
            assertThat(decoder.payloadReadTarget()).as("no payload awaited").isNull();
            ch.writeInbound(Unpooled.wrappedBuffer(Bytes.concat(header, java.util.Arrays.copyOf(payload, split))));
            ByteBuf target = decoder.payloadReadTarget();
            if (split == payload.length) {
                assertThat(target).isNull();
            } else {
                assertThat(target.writableBytes()).isEqualTo(payload.length - split);
                target.writeBytes(payload, split, payload.length - split); // as a socket read would
                ch.writeInbound(target);
            }
            ch.writeInbound(Unpooled.wrappedBuffer(FLUSH));
            NbdRequest write = ch.readInbound();
            try {
                assertThat(ByteBufUtil.getBytes(write.payload())).as("split %d", split).isEqualTo(payload);
                assertThat(write.payload().refCnt()).isEqualTo(1);
            } finally {
                write.release();
            }
            assertThat(describe(ch.readInbound())).contains("cookie=5");
            assertThat(decoder.payloadReadTarget()).isNull();
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void anUnusedPayloadTargetIsHarmless() {
        RequestDecoder decoder = new RequestDecoder(COMPACT);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.wrappedBuffer(WRITE_FUA, 0, RequestDecoder.COMPACT_HEADER_LENGTH + 1));
        decoder.payloadReadTarget().release(); // a read that got nothing releases its buffer
        ByteBuf target = decoder.payloadReadTarget();
        target.writeBytes(WRITE_FUA, RequestDecoder.COMPACT_HEADER_LENGTH + 1, 3);
        ch.writeInbound(target);
        assertThat(describe(ch.readInbound())).endsWith("payload=deadbeef");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
