package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.nbd.codec.ClientFlags;
import dev.ferry.nbd.codec.OptionReply;
import dev.ferry.nbd.codec.OptionRequest;
import dev.ferry.nbd.codec.ServerHandshakeMessage;
import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The option negotiation rules, as pure logic. */
class OptionNegotiatorTest {

    private final MemoryExport withBitmaps = new MemoryExport("bm", 1 << 20);
    private final TestCatalog catalog = new TestCatalog(new MemoryExport("a", 1 << 20), new MemoryExport("b", 1 << 20),
            blockExport("min512", 512), blockExport("min4k", 4096), withBitmaps);

    private static MemoryExport blockExport(String name, int minimum) {
        return new MemoryExport(name, 1 << 20, ExportCapabilities.FULL, new BlockSizeConstraints(minimum, 4096,
                1 << 20), "");
    }
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
    void goNeedsBlockSizeInfoOnlyForAMinimumAboveWhatClientsAssume() {
        assertThat(types(option(NBD_OPT_GO, RawClient.exportQuery("min4k"))))
                .containsExactly(NBD_REP_ERR_BLOCK_SIZE_REQD);
        assertThat(types(option(NBD_OPT_INFO, RawClient.exportQuery("min4k")))).as("INFO only reports")
                .containsExactly(NBD_REP_INFO, NBD_REP_INFO, NBD_REP_INFO, NBD_REP_INFO, NBD_REP_ACK);
        assertThat(option(NBD_OPT_GO, RawClient.exportQuery("min512")).outcome())
                .isEqualTo(NegotiationStep.Outcome.TRANSMISSION);
    }

    @Test
    void goWithBlockSizeInfoRequestedEntersTransmissionOnAnyMinimum() {
        NegotiationStep go = option(NBD_OPT_GO, RawClient.exportQuery("min4k", NBD_INFO_BLOCK_SIZE));
        assertThat(go.outcome()).isEqualTo(NegotiationStep.Outcome.TRANSMISSION);
        assertThat(go.session().blockSize().minimum()).isEqualTo(4096);
    }

    @Test
    void metaContextSelectionAppliesOnlyToTheExportItWasMadeFor() {
        option(NBD_OPT_STRUCTURED_REPLY, new byte[0]);
        assertThat(types(option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", BASE_ALLOCATION))))
                .containsExactly(NBD_REP_META_CONTEXT, NBD_REP_ACK);
        NegotiationStep go = option(NBD_OPT_GO, RawClient.exportQuery("b"));
        assertThat(go.outcome()).isEqualTo(NegotiationStep.Outcome.TRANSMISSION);
        assertThat(go.session().baseAllocationId()).isEmpty();
    }

    @Test
    void aLaterSetReplacesTheSelectionEvenWhenItSelectsNothing() {
        option(NBD_OPT_STRUCTURED_REPLY, new byte[0]);
        option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", BASE_ALLOCATION));
        assertThat(types(option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", "base:", "qemu:dirty-bitmap:x"))))
                .containsExactly(NBD_REP_ACK);
        assertThat(option(NBD_OPT_GO, RawClient.exportQuery("a")).session().baseAllocationId()).isEmpty();
    }

    @Test
    void selectedContextIsCarriedIntoTheSession() {
        option(NBD_OPT_EXTENDED_HEADERS, new byte[0]);
        option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", BASE_ALLOCATION));
        NegotiationStep go = option(NBD_OPT_GO, RawClient.exportQuery("a"));
        assertThat(go.session().baseAllocationId()).hasValue(OptionNegotiator.BASE_ALLOCATION_ID);
        assertThat(go.session().extendedHeaders()).isTrue();
        assertThat(go.session().transmissionFlags() & NBD_FLAG_SEND_DF).isNotZero();
    }

    @Test
    void listMetaContextWithNoQueriesListsEverything() {
        List<ServerHandshakeMessage> replies = option(NBD_OPT_LIST_META_CONTEXT, RawClient.metaQuery("a")).replies();
        assertThat(replies).hasSize(2);
    }

    @Test
    void exportContextsAreListedByNameOrPrefixAndSelectedWithIdsAfterBaseAllocation() {
        withBitmaps.offerContext("qemu:dirty-bitmap:b0", List.of());
        withBitmaps.offerContext("qemu:dirty-bitmap:b1", List.of());
        assertThat(contextNames(option(NBD_OPT_LIST_META_CONTEXT, RawClient.metaQuery("bm")))).containsExactly(
                BASE_ALLOCATION, "qemu:dirty-bitmap:b0", "qemu:dirty-bitmap:b1");
        assertThat(contextNames(option(NBD_OPT_LIST_META_CONTEXT, RawClient.metaQuery("bm", "qemu:"))))
                .containsExactly("qemu:dirty-bitmap:b0", "qemu:dirty-bitmap:b1");
        assertThat(contextNames(option(NBD_OPT_LIST_META_CONTEXT, RawClient.metaQuery("bm", "qemu:dirty-bitmap:b1",
                "base:")))).containsExactly(BASE_ALLOCATION, "qemu:dirty-bitmap:b1");

        option(NBD_OPT_STRUCTURED_REPLY, new byte[0]);
        NegotiationStep set = option(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("bm", "qemu:dirty-bitmap:b1",
                "qemu:dirty-bitmap:", "qemu:dirty-bitmap:zz", BASE_ALLOCATION));
        assertThat(contextNames(set)).as("a SET takes exact names only")
                .containsExactly(BASE_ALLOCATION, "qemu:dirty-bitmap:b1");
        NegotiationStep go = option(NBD_OPT_GO, RawClient.exportQuery("bm"));
        assertThat(go.session().baseAllocationId()).hasValue(OptionNegotiator.BASE_ALLOCATION_ID);
        assertThat(go.session().exportContexts()).containsExactly(
                java.util.Map.entry(OptionNegotiator.BASE_ALLOCATION_ID + 1, "qemu:dirty-bitmap:b1"));
    }

    private static List<String> contextNames(NegotiationStep step) {
        return step.replies().stream().map(r -> (OptionReply) r).filter(r -> r.replyType() == NBD_REP_META_CONTEXT)
                .map(r -> new String(r.data(), 4, r.data().length - 4, java.nio.charset.StandardCharsets.UTF_8))
                .toList();
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

    @Test
    void requiredTlsRefusesEveryOptionButStartTlsAndAbortUntilTlsIsUp() {
        OptionNegotiator forced = new OptionNegotiator(catalog, TlsMode.REQUIRE);
        forced.onClientFlags(new ClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE));
        for (int opt : new int[] {NBD_OPT_LIST, NBD_OPT_INFO, NBD_OPT_GO, NBD_OPT_STRUCTURED_REPLY,
            NBD_OPT_LIST_META_CONTEXT, 99}) {
            NegotiationStep step = forced.onOption(new OptionRequest(opt, RawClient.exportQuery("a")));
            assertThat(types(step)).as("option %d", opt).containsExactly(NBD_REP_ERR_TLS_REQD);
            assertThat(step.outcome()).isEqualTo(NegotiationStep.Outcome.CONTINUE);
        }
        NegotiationStep start = forced.onOption(new OptionRequest(NBD_OPT_STARTTLS, new byte[0]));
        assertThat(start.outcome()).isEqualTo(NegotiationStep.Outcome.STARTTLS);
        assertThat(types(start)).containsExactly(NBD_REP_ACK);
        forced.onTlsEstablished(Optional.empty(), List.of());
        assertThat(types(forced.onOption(new OptionRequest(NBD_OPT_STARTTLS, new byte[0]))))
                .as("STARTTLS twice").containsExactly(NBD_REP_ERR_INVALID);
        assertThat(forced.onOption(new OptionRequest(NBD_OPT_GO, RawClient.exportQuery("a"))).outcome())
                .isEqualTo(NegotiationStep.Outcome.TRANSMISSION);
    }

    @Test
    void requiredTlsClosesOnExportNameWithoutTlsAndAbortIsAcknowledged() {
        OptionNegotiator forced = new OptionNegotiator(catalog, TlsMode.REQUIRE);
        forced.onClientFlags(new ClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE));
        assertThat(forced.onOption(new OptionRequest(NBD_OPT_EXPORT_NAME, "a".getBytes(StandardCharsets.UTF_8)))
                .outcome()).isEqualTo(NegotiationStep.Outcome.CLOSE);
        OptionNegotiator other = new OptionNegotiator(catalog, TlsMode.REQUIRE);
        other.onClientFlags(new ClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE));
        NegotiationStep abort = other.onOption(new OptionRequest(NBD_OPT_ABORT, new byte[0]));
        assertThat(types(abort)).containsExactly(NBD_REP_ACK);
        assertThat(abort.outcome()).isEqualTo(NegotiationStep.Outcome.CLOSE);
    }

    @Test
    void startTlsForgetsWhatWasNegotiatedBeforeIt() {
        OptionNegotiator optional = new OptionNegotiator(catalog, TlsMode.ON);
        optional.onClientFlags(new ClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE));
        optional.onOption(new OptionRequest(NBD_OPT_STRUCTURED_REPLY, new byte[0]));
        optional.onOption(new OptionRequest(NBD_OPT_SET_META_CONTEXT, RawClient.metaQuery("a", BASE_ALLOCATION)));
        assertThat(optional.onOption(new OptionRequest(NBD_OPT_STARTTLS, new byte[0])).outcome())
                .isEqualTo(NegotiationStep.Outcome.STARTTLS);
        optional.onTlsEstablished(Optional.empty(), List.of());
        NegotiationStep go = optional.onOption(new OptionRequest(NBD_OPT_GO, RawClient.exportQuery("a")));
        assertThat(go.session().structuredReplies()).isFalse();
        assertThat(go.session().baseAllocationId()).isEmpty();
    }

    @Test
    void optionalTlsServesPlainClientsAndStartTlsWithoutTlsIsUnsupported() {
        OptionNegotiator optional = new OptionNegotiator(catalog, TlsMode.ON);
        optional.onClientFlags(new ClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE));
        assertThat(optional.onOption(new OptionRequest(NBD_OPT_GO, RawClient.exportQuery("a"))).outcome())
                .isEqualTo(NegotiationStep.Outcome.TRANSMISSION);
        assertThat(types(option(NBD_OPT_STARTTLS, new byte[0]))).as("TLS off").containsExactly(NBD_REP_ERR_UNSUP);
    }
}
