package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdClientConfig;
import dev.ferry.nbd.client.NbdClientTls;
import dev.ferry.nbd.client.NbdNegotiationException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates that expired (valid only in January 2020, signed by the test CA with {@code openssl ca}): a server
 * presenting one is refused by libnbd's {@code nbdinfo} (GnuTLS says only that verification failed) and by Ferry's
 * client (naming the expiry); a client
 * presenting one to {@code ferry serve --tls-verify-peer} is refused, and the server's log says why.
 */
class ExpiredCertificateInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;
    private TestPki pki;

    @BeforeEach
    void certificates() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
        pki = TestPki.create(dir.resolve("pki"));
    }

    @Test
    void anExpiredServerCertificateIsRefusedByClients() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates",
                pki.expiredServerDirectory().toString());

        ExternalTool.Result nbdinfo = ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(pki.dir()));
        assertThat(nbdinfo.exitCode()).as(nbdinfo.describe()).isNotZero();
        assertThat(nbdinfo.stderr()).as(nbdinfo.describe()).contains("certificate verification");

        assertThatThrownBy(() -> connect(serve.port(), pki.dir()).close()).cause()
                .isInstanceOf(NbdNegotiationException.class).hasMessageContaining("TLS handshake")
                .hasMessageContaining("CertificateExpiredException");
    }

    @Test
    void anExpiredClientCertificateIsRefusedByAServerThatVerifiesPeers() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates",
                pki.dir().toString(), "--tls-verify-peer");
        Path expiredClient = pki.expiredClientDirectory();

        ExternalTool.Result nbdinfo = ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(expiredClient));
        assertThat(nbdinfo.exitCode()).as(nbdinfo.describe()).isNotZero();
        Poll.until(TIMEOUT, "the expiry named in the server's log", () -> serve.log().contains(
                "TLS handshake failed") && serve.log().contains("CertificateExpiredException"));

        assertThatThrownBy(() -> connect(serve.port(), expiredClient).close()).cause()
                .isInstanceOf(NbdNegotiationException.class).hasMessageContaining("CERTIFICATE_EXPIRED");
        try (NbdClient valid = connect(serve.port(), pki.dir())) {
            assertThat(valid.size()).as("a valid client certificate is still served").isEqualTo(MIB);
        }
    }

    private static NbdClient connect(int port, Path certificates) throws Exception {
        return NbdClient.connect(NbdClientConfig.builder("127.0.0.1", port).exportName("disk")
                .tls(NbdClientTls.fromCertificates(certificates, true, true)).connectTimeout(TIMEOUT).build()).join();
    }
}
