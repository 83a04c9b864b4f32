package dev.ferry.nbd.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.testing.FuzzInput;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.OptionalInt;

/**
 * Coverage-guided fuzz targets (Jazzer) for the server's two decoders: whatever bytes arrive, in whatever
 * pieces, no exception escapes the pipeline and a decoder never buffers more than its limits allow. Under
 * plain JUnit each replays the inputs kept in {@code src/test/resources/dev/ferry/nbd/codec/CodecFuzzTestInputs/};
 * {@code scripts/fuzz.sh} fuzzes them (JAZZER_FUZZ=1).
 */
class CodecFuzzTest {

    private static final int MAX_PAYLOAD = 64 * 1024;

    /** Input: the client's 4 flag bytes and options, as a client sends them. */
    @FuzzTest(maxDuration = "30s")
    void optionDecoder(byte[] input) {
        OptionRequestDecoder decoder = new OptionRequestDecoder();
        int bound = OptionRequestDecoder.MAX_OPTION_LENGTH + OptionRequestDecoder.OPTION_HEADER_LENGTH + FuzzInput.MAX_PIECE;
        FuzzInput.feed(input, 0, new EmbeddedChannel(decoder), () -> assertThat(decoder.bufferedBytes())
                .as("option decoder buffered bytes").isLessThanOrEqualTo(bound));
    }

    /**
     * Input: one byte of session settings (bit 0 structured replies, bit 1 extended headers), then requests as
     * a client sends them in transmission.
     */
    @FuzzTest(maxDuration = "30s")
    void requestDecoder(byte[] input) {
        int settings = input.length > 0 ? input[0] : 0;
        NegotiatedSession session = new NegotiatedSession(1L << 30, 0xded, (settings & 1) != 0, (settings & 2) != 0,
                OptionalInt.of(1), new BlockSizeConstraints(1, 4096, MAX_PAYLOAD));
        RequestDecoder decoder = new RequestDecoder(session);
        int bound = MAX_PAYLOAD + RequestDecoder.EXTENDED_HEADER_LENGTH + FuzzInput.MAX_PIECE;
        FuzzInput.feed(input, 1, new EmbeddedChannel(decoder), () -> assertThat(decoder.bufferedBytes())
                .as("request decoder buffered bytes").isLessThanOrEqualTo(bound));
    }
}
