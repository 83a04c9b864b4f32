package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.nbd.codec.ClientFlags;
import dev.ferry.nbd.codec.OptionReply;
import dev.ferry.nbd.codec.OptionRequest;
import dev.ferry.nbd.codec.ServerHandshakeMessage;
import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The option negotiation rules, as pure logic. */
class OptionNegotiatorTest {

    private final TestCatalog catalog = new TestCatalog(new MemoryExport("a", 1 << 20), new MemoryExport("b", 1 << 20));
    private OptionNegotiator negotiator;

    @BeforeEach
    void greet() {
        negotiator = new OptionNegotiator(catalog);
        negotiator.onClientFlags(new ClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE));
    }

    private List<Integer> types(NegotiationStep step) {
        return step.replies().stream().map(r -> ((OptionReply) r).replyType()).toList();
    }

    private NegotiationStep option(int opt, byte[] data) {
        return negotiator.onOption(new OptionRequest(opt, data));
    }

    @Test
    void metaContextSelectionAppliesOnlyToTheExportItWasMadeFor() {
        option(NBD_OPT_STRUCTURED_REPLY, new byte[0]);
        assertThat(types(option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", BASE_ALLOCATION))))
                .containsExactly(NBD_REP_META_CONTEXT, NBD_REP_ACK);
        NegotiationStep go = option(NBD_OPT_GO, RawClient.exportQuery("b"));
        assertThat(go.outcome()).isEqualTo(NegotiationStep.Outcome.TRANSMISSION);
        assertThat(go.session().baseAllocationId()).isZero();
    }

    @Test
    void aLaterSetReplacesTheSelectionEvenWhenItSelectsNothing() {
        option(NBD_OPT_STRUCTURED_REPLY, new byte[0]);
        option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", BASE_ALLOCATION));
        assertThat(types(option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", "base:", "qemu:dirty-bitmap:x"))))
                .containsExactly(NBD_REP_ACK);
        assertThat(option(NBD_OPT_GO, RawClient.exportQuery("a")).session().baseAllocationId()).isZero();
    }

    @Test
    void selectedContextIsCarriedIntoTheSession() {
        option(NBD_OPT_EXTENDED_HEADERS, new byte[0]);
        option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", BASE_ALLOCATION));
        NegotiationStep go = option(NBD_OPT_GO, RawClient.exportQuery("a"));
        assertThat(go.session().baseAllocationId()).isEqualTo(OptionNegotiator.BASE_ALLOCATION_ID);
        assertThat(go.session().extendedHeaders()).isTrue();
        assertThat(go.session().transmissionFlags() & NBD_FLAG_SEND_DF).isNotZero();
    }

    @Test
    void listMetaContextWithNoQueriesListsEverything() {
        List<ServerHandshakeMessage> replies = option(NBD_OPT_LIST_META_CONTEXT, RawClient.metaQuery("a")).replies();
        assertThat(replies).hasSize(2);
    }

    @Test
    void structuredReplyTwiceOrAfterExtendedHeadersIsRefused() {
        option(NBD_OPT_STRUCTURED_REPLY, new byte[0]);
        assertThat(types(option(NBD_OPT_STRUCTURED_REPLY, new byte[0]))).containsExactly(NBD_REP_ERR_INVALID);
        option(NBD_OPT_EXTENDED_HEADERS, new byte[0]);
        assertThat(types(option(NBD_OPT_STRUCTURED_REPLY, new byte[0]))).containsExactly(NBD_REP_ERR_EXT_HEADER_REQD);
        assertThat(types(option(NBD_OPT_EXTENDED_HEADERS, new byte[1]))).containsExactly(NBD_REP_ERR_INVALID);
    }

    @Test
    void malformedInfoRequestsAreInvalid() {
        assertThat(types(option(NBD_OPT_INFO, new byte[] {0, 0, 0, 1, 'a', 0, 2, 0, 3}))).as("count overruns")
                .containsExactly(NBD_REP_ERR_INVALID);
        assertThat(types(option(NBD_OPT_GO, new byte[] {0, 0}))).containsExactly(NBD_REP_ERR_INVALID);
        assertThat(types(option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a")))).as("before SR")
                .containsExactly(NBD_REP_ERR_INVALID);
    }

    @Test
    void optionsAfterTransmissionAreAnIllegalState() {
        option(NBD_OPT_GO, RawClient.exportQuery(""));
        assertThat(negotiator.state()).isEqualTo(OptionNegotiator.State.TRANSMISSION);
        assertThatThrownBy(() -> option(NBD_OPT_LIST, new byte[0])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TRANSMISSION").hasMessageContaining("OPTIONS");
    }
}
