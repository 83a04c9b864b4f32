package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_INFO_BLOCK_SIZE;
import static dev.ferry.nbd.NbdConstants.NBD_INFO_EXPORT;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_EXTENDED_HEADERS;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_GO;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_SET_META_CONTEXT;
import static dev.ferry.nbd.NbdConstants.NBD_REP_ACK;
import static dev.ferry.nbd.NbdConstants.NBD_REP_ERR_UNKNOWN;
import static dev.ferry.nbd.NbdConstants.NBD_REP_ERR_UNSUP;
import static dev.ferry.nbd.NbdConstants.NBD_REP_INFO;
import static dev.ferry.nbd.NbdConstants.NBD_REP_META_CONTEXT;
import static dev.ferry.nbd.client.Fixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.NbdConstants;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The negotiation state machine against a scripted server on an EmbeddedChannel. */
class NegotiationTest {

    private EmbeddedChannel ch;
    private NegotiationHandler negotiator;

    private void open(NbdClientConfig config) {
        HandshakeDecoder decoder = new HandshakeDecoder();
        negotiator = new NegotiationHandler(config, NegotiationHandler.Purpose.GO, decoder);
        ch = new EmbeddedChannel();
        ch.pipeline().addLast("nbd-handshake-decoder", decoder).addLast(new OptionRequestEncoder())
                .addLast("nbd-negotiator", negotiator);
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    /** The handshake's failure (the test fails if it succeeded or did not finish). */
    private Throwable failure() {
        try {
            negotiator.result().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("handshake succeeded");
    }

    private static NbdClientConfig.Builder config() {
        return NbdClientConfig.builder("127.0.0.1", 10809).exportName("vol");
    }

    private void serverSends(byte[]... parts) {
        ch.writeInbound(Unpooled.wrappedBuffer(Fixtures.concat(parts)));
    }

    private static byte[] greeting(int flags) {
        return Fixtures.concat(hex("4e42444d41474943", "49484156454f5054"), new byte[] {0, (byte) flags});
    }

    private static byte[] optionReply(int option, int type, byte[] data) {
        ByteBuf b = Unpooled.buffer();
        b.writeLong(NbdConstants.NBD_REP_MAGIC).writeInt(option).writeInt(type).writeInt(data.length).writeBytes(data);
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    /** Everything the client wrote since the last call, as hex. */
    private String clientSent() {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            sb.append(ByteBufUtil.hexDump(b));
            b.release();
        }
        return sb.toString();
    }

    private static String option(int option, String dataHex) {
        return "49484156454f5054" + String.format("%08x%08x", option, dataHex.length() / 2) + dataHex;
    }

    @Test
    void goRefusedAsUnsupportedFallsBackToExportNameWithPadding() throws Exception {
        open(config().structuredReplies(false).build());
        serverSends(greeting(NbdConstants.NBD_FLAG_FIXED_NEWSTYLE));    // no NO_ZEROES offered
        assertThat(clientSent()).isEqualTo("00000001"                    // client flags: FIXED_NEWSTYLE only
                + option(NBD_OPT_GO, "00000003" + "766f6c" + "0003" + "0001" + "0002" + "0003"));
        serverSends(optionReply(NBD_OPT_GO, NBD_REP_ERR_UNSUP, new byte[0]));
        assertThat(clientSent()).isEqualTo(option(NbdConstants.NBD_OPT_EXPORT_NAME, "766f6c"));
        serverSends(hex("0000000000100000", "0005"), new byte[NbdConstants.EXPORT_NAME_PADDING]);
        Negotiated n = negotiator.result().get(5, TimeUnit.SECONDS);
        assertThat(n.export().size()).isEqualTo(1 << 20);
        assertThat(n.export().transmissionFlags()).isEqualTo(5);
        assertThat(n.format()).isEqualTo(ReplyFormat.SIMPLE);
        assertThat(ch.pipeline().get(TransmissionHandler.class)).isSameAs(n.transmission());
        assertThat(ch.pipeline().get(HandshakeDecoder.class)).isNull();
        assertThat(ch.pipeline().get(ReplyDecoder.class)).isNotNull();
    }

    @Test
    void extendedHeadersAndMetaContextAreNegotiatedBeforeGo() throws Exception {
        open(config().extendedHeaders(true).build());
        serverSends(greeting(NbdConstants.NBD_FLAG_FIXED_NEWSTYLE | NbdConstants.NBD_FLAG_NO_ZEROES));
        assertThat(clientSent()).isEqualTo("00000003" + option(NBD_OPT_EXTENDED_HEADERS, ""));
        serverSends(optionReply(NBD_OPT_EXTENDED_HEADERS, NBD_REP_ACK, new byte[0]));
        String ctx = ByteBufUtil.hexDump(NbdConstants.BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8));
        assertThat(clientSent()).isEqualTo(option(NBD_OPT_SET_META_CONTEXT,
                "00000003" + "766f6c" + "00000001" + "0000000f" + ctx));
        serverSends(optionReply(NBD_OPT_SET_META_CONTEXT, NBD_REP_META_CONTEXT, hex("00000007", ctx)),
                optionReply(NBD_OPT_SET_META_CONTEXT, NBD_REP_ACK, new byte[0]));
        assertThat(clientSent()).startsWith(option(NBD_OPT_GO, "").substring(0, 24));
        serverSends(optionReply(NBD_OPT_GO, NBD_REP_INFO, hex("0000", "0000000040000000", "0d6d")),
                optionReply(NBD_OPT_GO, NBD_REP_INFO, hex(String.format("%04x", NBD_INFO_BLOCK_SIZE),
                        "00000200", "00001000", "02000000")),
                optionReply(NBD_OPT_GO, NBD_REP_INFO, hex("0063")),     // unknown info type: ignored
                optionReply(NBD_OPT_GO, NBD_REP_ACK, new byte[0]));
        Negotiated n = negotiator.result().get(5, TimeUnit.SECONDS);
        assertThat(n.format()).isEqualTo(ReplyFormat.EXTENDED);
        assertThat(n.metaContexts()).containsEntry(NbdConstants.BASE_ALLOCATION, 7);
        assertThat(n.export().size()).isEqualTo(1L << 30);
        assertThat(n.export().blockSize().minimum()).isEqualTo(512);
        assertThat(n.export().blockSize().maxPayload()).isEqualTo(32 << 20);
        assertThat(NBD_INFO_EXPORT).isZero();
    }

    @Test
    void refusedExportFailsWithTheReplyType() {
        open(config().structuredReplies(false).build());
        serverSends(greeting(3));
        clientSent();
        serverSends(optionReply(NBD_OPT_GO, NBD_REP_ERR_UNKNOWN, "no such export".getBytes(StandardCharsets.UTF_8)));
        Throwable e = failure();
        assertThat(e).isInstanceOf(NbdNegotiationException.class)
                .hasMessage("NBD_OPT_GO for export 'vol' refused (no such export): NBD_REP_ERR_UNKNOWN");
        assertThat(((NbdNegotiationException) e).replyType()).isEqualTo(NBD_REP_ERR_UNKNOWN);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void serverViolationsFailTheHandshakePrecisely() {
        for (Object[] c : List.of(
                new Object[] {greeting(0), "does not speak fixed newstyle"},
                new Object[] {hex("4e42444d41474943", "0000420281861253", "0000000000100000"), "oldstyle"},
                new Object[] {Fixtures.concat(greeting(3), hex("0003e889045565a9", "00000007", "00000003",
                        "00100000")), "claims 1048576 bytes"},
                new Object[] {Fixtures.concat(greeting(3), optionReply(NBD_OPT_GO, NBD_REP_INFO,
                        hex("0000", "00"))), "NBD_INFO_EXPORT carries 1 bytes"},
                new Object[] {Fixtures.concat(greeting(3), optionReply(99, NBD_REP_ACK, new byte[0])),
                        "unexpected Ack[option=99]"})) {
            open(config().structuredReplies(false).build());
            serverSends((byte[]) c[0]);
            assertThat(failure()).as((String) c[1])
                    .hasMessageContaining((String) c[1]);
            assertThat(ch.isOpen()).isFalse();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void serverClosingAfterExportNameExplainsTheLikelyCause() {
        open(config().structuredReplies(false).build());
        serverSends(greeting(3), optionReply(NBD_OPT_GO, NBD_REP_ERR_UNSUP, new byte[0]));
        ch.close();
        assertThat(failure()).isInstanceOf(NbdNegotiationException.class)
                .hasMessageContaining("unknown export 'vol'");
    }
}
