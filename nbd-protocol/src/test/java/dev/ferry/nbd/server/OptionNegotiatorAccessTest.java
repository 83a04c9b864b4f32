package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.access.Grant;
import dev.ferry.nbd.access.NbdPeer;
import dev.ferry.nbd.codec.ClientFlags;
import dev.ferry.nbd.codec.OptionReply;
import dev.ferry.nbd.codec.OptionRequest;
import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/**
 * How the negotiation applies an {@link ExportAccess}: denied exports are left out of LIST and refused with
 * {@code NBD_REP_ERR_POLICY}, a read-only grant advertises {@code NBD_FLAG_READ_ONLY}, and the certificate subject a
 * STARTTLS handshake verified counts from then on.
 */
class OptionNegotiatorAccessTest {

    private static final X500Principal BACKUP = new X500Principal("CN=backup,O=Ferry");
    /** "open" read-write to all, "ro" read-only, "secret" only to the backup certificate. */
    private static final ExportAccess RULES = (peer, name) -> switch (name) {
        case "open" -> Grant.READ_WRITE;
        case "ro" -> Grant.READ_ONLY;
        case "secret" -> peer.certificateSubject().filter(BACKUP::equals).isPresent() ? Grant.READ_WRITE : Grant.DENY;
        default -> Grant.DENY;
    };

    private final TestCatalog catalog = new TestCatalog(new MemoryExport("open", 1 << 20),
            new MemoryExport("ro", 1 << 20), new MemoryExport("secret", 1 << 20));

    private OptionNegotiator negotiator(TlsMode tls) throws Exception {
        OptionNegotiator n = new OptionNegotiator(catalog, tls, RULES, NbdPeer.tcp(InetAddress.getLoopbackAddress()));
        n.onClientFlags(new ClientFlags(NBD_FLAG_C_FIXED_NEWSTYLE));
        return n;
    }

    private static List<String> listed(OptionNegotiator n) {
        return n.onOption(new OptionRequest(NBD_OPT_LIST, new byte[0])).replies().stream()
                .map(r -> (OptionReply) r).filter(r -> r.replyType() == NBD_REP_SERVER)
                .map(r -> {
                    ByteBuffer b = ByteBuffer.wrap(r.data());
                    byte[] name = new byte[b.getInt()];
                    b.get(name);
                    return new String(name, StandardCharsets.UTF_8);
                }).toList();
    }

    private static OptionReply first(NegotiationStep step) {
        return (OptionReply) step.replies().get(0);
    }

    @Test
    void listShowsOnlyGrantedExports() throws Exception {
        assertThat(listed(negotiator(TlsMode.OFF))).containsExactly("open", "ro");
    }

    @Test
    void infoGoAndMetaContextsOnADeniedExportAnswerPolicy() throws Exception {
        OptionNegotiator n = negotiator(TlsMode.OFF);
        for (int opt : new int[] {NBD_OPT_INFO, NBD_OPT_GO}) {
            assertThat(first(n.onOption(new OptionRequest(opt, RawClient.exportQuery("secret")))).replyType())
                    .isEqualTo(NBD_REP_ERR_POLICY);
        }
        assertThat(first(n.onOption(new OptionRequest(NBD_OPT_LIST_META_CONTEXT, RawClient.metaQuery("secret"))))
                .replyType()).isEqualTo(NBD_REP_ERR_POLICY);
        assertThat(n.state()).isEqualTo(OptionNegotiator.State.OPTIONS);
    }

    @Test
    void exportNameOnADeniedExportClosesTheConnection() throws Exception {
        OptionNegotiator n = negotiator(TlsMode.OFF);
        NegotiationStep step = n.onOption(new OptionRequest(NBD_OPT_EXPORT_NAME,
                "secret".getBytes(StandardCharsets.UTF_8)));
        assertThat(step.outcome()).isEqualTo(NegotiationStep.Outcome.CLOSE);
        assertThat(step.replies()).isEmpty();
    }

    @Test
    void aReadOnlyGrantAdvertisesReadOnlyWithoutWriteCommands() throws Exception {
        NegotiationStep go = negotiator(TlsMode.OFF).onOption(new OptionRequest(NBD_OPT_GO,
                RawClient.exportQuery("ro")));
        assertThat(go.outcome()).isEqualTo(NegotiationStep.Outcome.TRANSMISSION);
        assertThat(go.session().readOnly()).isTrue();
        assertThat(go.session().advertised(NBD_FLAG_SEND_TRIM)).isFalse();
        assertThat(go.session().advertised(NBD_FLAG_SEND_WRITE_ZEROES)).isFalse();
        NegotiationStep rw = negotiator(TlsMode.OFF).onOption(new OptionRequest(NBD_OPT_GO,
                RawClient.exportQuery("open")));
        assertThat(rw.session().readOnly()).isFalse();
    }

    @Test
    void aVerifiedCertificateSubjectCountsFromTheTlsHandshakeOn() throws Exception {
        OptionNegotiator n = negotiator(TlsMode.ON);
        n.onOption(new OptionRequest(NBD_OPT_STARTTLS, new byte[0]));
        n.onTlsEstablished(Optional.of(new X500Principal("CN=backup, O=Ferry")), List.of());
        assertThat(listed(n)).containsExactly("open", "ro", "secret");
        assertThat(n.onOption(new OptionRequest(NBD_OPT_GO, RawClient.exportQuery("secret"))).outcome())
                .isEqualTo(NegotiationStep.Outcome.TRANSMISSION);
    }

    @Test
    void anotherSubjectIsRefused() throws Exception {
        OptionNegotiator n = negotiator(TlsMode.ON);
        n.onOption(new OptionRequest(NBD_OPT_STARTTLS, new byte[0]));
        n.onTlsEstablished(Optional.of(new X500Principal("CN=intruder,O=Ferry")), List.of());
        assertThat(first(n.onOption(new OptionRequest(NBD_OPT_GO, RawClient.exportQuery("secret")))).replyType())
                .isEqualTo(NBD_REP_ERR_POLICY);
    }
}
