package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.testing.Mutations;
import dev.ferry.nbd.testing.Seeds;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded randomized input for both decoders: random bytes and mutated valid streams, fed in random
 * pieces. Nothing may escape as an exception, and the bytes a decoder holds must stay bounded by its
 * limits, whatever lengths the input claims.
 */
class DecoderFuzzTest {

    private static final int CASES = 2000;
    private static final int MAX_PAYLOAD = 64 * 1024;
    private static final NegotiatedSession SESSION = new NegotiatedSession(1 << 20, 0xded, true, false,
            OptionalInt.of(1), new BlockSizeConstraints(1, 4096, MAX_PAYLOAD));

    static LongStream optionSeeds() {
        return Seeds.of(1, 0x5eed, 20261121);
    }

    static LongStream requestSeeds() {
        return Seeds.of(2, 0xfeed, 424242);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("optionSeeds")
    void optionDecoderSurvivesRandomAndMutatedHandshakes(long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < CASES; i++) {
            int n = i;
            byte[] input = rnd.nextInt(4) == 0 ? Mutations.random(rnd) : Mutations.mutate(rnd, validHandshake(rnd));
            OptionRequestDecoder decoder = new OptionRequestDecoder();
            EmbeddedChannel ch = new EmbeddedChannel(decoder);
            int bound = OptionRequestDecoder.MAX_OPTION_LENGTH + OptionRequestDecoder.OPTION_HEADER_LENGTH;
            feed(rnd, ch, input, () -> assertThat(decoder.bufferedBytes())
                    .as("seed %d case %d: option decoder holds too much", seed, n).isLessThanOrEqualTo(bound + 4096));
            ch.finishAndReleaseAll();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("requestSeeds")
    void requestDecoderSurvivesRandomAndMutatedRequests(long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < CASES; i++) {
            int n = i;
            byte[] input = rnd.nextInt(4) == 0 ? Mutations.random(rnd) : Mutations.mutate(rnd, validRequests(rnd));
            RequestDecoder decoder = new RequestDecoder(SESSION);
            EmbeddedChannel ch = new EmbeddedChannel(decoder);
            feed(rnd, ch, input, () -> assertThat(decoder.bufferedBytes())
                    .as("seed %d case %d: request decoder holds too much", seed, n)
                    .isLessThanOrEqualTo(MAX_PAYLOAD + RequestDecoder.EXTENDED_HEADER_LENGTH + 4096));
            ch.finishAndReleaseAll();
        }
    }

    /** Feeds {@code input} in random pieces of up to 4 KiB, checking {@code invariant} after each. */
    private static void feed(Random rnd, EmbeddedChannel ch, byte[] input, Runnable invariant) {
        for (int at = 0; at < input.length; ) {
            int n = Math.min(input.length - at, 1 + rnd.nextInt(4096));
            ch.writeInbound(Unpooled.wrappedBuffer(input, at, n));
            at += n;
            invariant.run();
            for (Object o = ch.readInbound(); o != null; o = ch.readInbound()) {
                ReferenceCountUtil.release(o);
            }
        }
        ch.checkException();
    }

    static byte[] validHandshake(Random rnd) {
        ByteBuffer b = ByteBuffer.allocate(4096).putInt(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
        int options = 1 + rnd.nextInt(5);
        for (int i = 0; i < options; i++) {
            byte[] data = new byte[rnd.nextInt(40)];
            rnd.nextBytes(data);
            b.putLong(IHAVEOPT).putInt(rnd.nextInt(12)).putInt(data.length).put(data);
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    static byte[] validRequests(Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int requests = 1 + rnd.nextInt(6);
        for (int i = 0; i < requests; i++) {
            int type = rnd.nextInt(9);
            int length = rnd.nextInt(8192);
            ByteBuffer h = ByteBuffer.allocate(28).putInt(NBD_REQUEST_MAGIC).putShort((short) rnd.nextInt(4))
                    .putShort((short) type).putLong(i).putLong(rnd.nextInt(1 << 20)).putInt(length);
            out.writeBytes(h.array());
            if (type == NBD_CMD_WRITE) {
                out.writeBytes(new byte[length]);
            }
        }
        return out.toByteArray();
    }
}
