package dev.ferry.nbd.codec;

import static dev.ferry.nbd.codec.Bytes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The handshake decoder on hand-written fixtures, whole, split at every byte and batched. */
class OptionRequestDecoderTest {

    static final byte[] CLIENT_FLAGS = hex("00000003   # C_FIXED_NEWSTYLE | C_NO_ZEROES");

    static final byte[] GO_DISK = hex("""
            49484156454F5054   # IHAVEOPT
            00000007           # NBD_OPT_GO
            0000000c           # length 12
            00000004 6469736b  # name length 4, "disk"
            0001 0003          # 1 info request: NBD_INFO_BLOCK_SIZE
            """);

    static final byte[] STRUCTURED_REPLY = hex("""
            49484156454F5054   # IHAVEOPT
            00000008           # NBD_OPT_STRUCTURED_REPLY
            00000000           # no data
            """);

    private static List<Object> decode(byte[] bytes, int... splits) {
        return Bytes.decode(() -> new EmbeddedChannel(new OptionRequestDecoder()), bytes, splits);
    }

    @Test
    void decodesClientFlagsThenAnOptionWithData() {
        assertThat(decode(Bytes.concat(CLIENT_FLAGS, GO_DISK))).containsExactly(new ClientFlags(3),
                new OptionRequest(7, hex("00000004 6469736b 0001 0003")));
    }

    @Test
    void shouldHandleNonUniformNetworkBatches() {
        byte[] all = Bytes.concat(CLIENT_FLAGS, GO_DISK, STRUCTURED_REPLY);
        List<Object> expected = decode(all);
        assertThat(expected).hasSize(3);
        for (int i = 1; i < all.length; i++) {
            assertThat(decode(all, i)).as("split at %d", i).isEqualTo(expected);
        }
        int[] everyByte = new int[all.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(decode(all, everyByte)).isEqualTo(expected);
    }

    @Test
    void shouldHandleTwoOptionsInOneBatch() {
        assertThat(decode(Bytes.concat(CLIENT_FLAGS, STRUCTURED_REPLY, STRUCTURED_REPLY)))
                .containsExactly(new ClientFlags(3), new OptionRequest(8), new OptionRequest(8));
    }

    @Test
    void oversizedOptionIsReportedAndSkippedWithoutBuffering() {
        EmbeddedChannel ch = new EmbeddedChannel(new OptionRequestDecoder());
        ch.writeInbound(Unpooled.wrappedBuffer(Bytes.concat(CLIENT_FLAGS, hex("""
                49484156454F5054   # IHAVEOPT
                00000063           # option 99
                00080000           # length 512 KiB (over the 64 KiB limit, under the skip limit)
                """))));
        assertThat((Object) ch.readInbound()).isEqualTo(new ClientFlags(3));
        assertThat((Object) ch.readInbound()).isEqualTo(new OversizedOption(99, 512 * 1024));
        for (int i = 0; i < 8; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[64 * 1024]));
        }
        ch.writeInbound(Unpooled.wrappedBuffer(STRUCTURED_REPLY));
        assertThat((Object) ch.readInbound()).isEqualTo(new OptionRequest(8));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void optionBeyondTheSkipLimitIsAViolation() {
        List<Object> out = decode(Bytes.concat(CLIENT_FLAGS, hex("49484156454F5054 00000001 ffffffff"),
                new byte[100]));
        assertThat(out).hasSize(2);
        assertThat(out.get(1)).isInstanceOf(HandshakeViolation.class);
    }

    @Test
    void badOptionMagicIsAViolationAndLaterInputIsDiscarded() {
        List<Object> out = decode(Bytes.concat(CLIENT_FLAGS, hex("4948415645000000 00000008 00000000"),
                STRUCTURED_REPLY));
        assertThat(out).hasSize(2);
        assertThat(((HandshakeViolation) out.get(1)).reason()).contains("bad option magic");
    }
}
