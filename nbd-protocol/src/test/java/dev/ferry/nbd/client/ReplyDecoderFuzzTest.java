package dev.ferry.nbd.client;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.nbd.codec.ReplyFormat;
import dev.ferry.nbd.testing.FuzzInput;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Coverage-guided fuzz target (Jazzer) for the client's reply decoder, which reads what a possibly hostile
 * server sends (a remote PV is someone else's server): a protocol violation may only end as one
 * {@link NbdProtocolException}, never as another exception. The pending requests are {@link ReplyDecoderTest}'s;
 * under plain JUnit it replays the inputs in
 * {@code src/test/resources/dev/ferry/nbd/client/ReplyDecoderFuzzTestInputs/}.
 */
class ReplyDecoderFuzzTest {

    /** Input: one byte choosing the reply format (simple, structured, extended), then the server's bytes. */
    @FuzzTest(maxDuration = "30s")
    void replyDecoder(byte[] input) {
        ReplyFormat[] formats = ReplyFormat.values();
        ReplyFormat format = formats[input.length > 0 ? Math.floorMod(input[0], formats.length) : 0];
        ReplyDecoder decoder = new ReplyDecoder(format, ReplyDecoderTest.PENDING::get);
        FuzzInput.feed(input, 1, new EmbeddedChannel(decoder), () -> { }, NbdProtocolException.class::isInstance);
    }
}
