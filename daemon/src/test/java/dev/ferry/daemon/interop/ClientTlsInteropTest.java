package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdClientConfig;
import dev.ferry.nbd.client.NbdClientTls;
import dev.ferry.nbd.client.NbdNegotiationException;
import dev.ferry.nbd.client.NbdkitServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry's own NBD client over TLS (STARTTLS first, a libnbd-style certificates directory): it writes and reads back
 * through {@code ferry serve --tls require --tls-verify-peer} and through {@code nbdkit --tls=require
 * --tls-verify-peer} with its client certificate; it refuses a server whose certificate another CA signed or names
 * another host; a client
 * without TLS is refused by a server that requires it; a client that requires TLS refuses a server without it, and one
 * that only prefers TLS goes on in plain text. Long READs and WRITEs under TLS are byte-exact and leak no buffer.
 */
class ClientTlsInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;
    private TestPki testPki;
    private Path pki;

    @BeforeEach
    void certificates() throws Exception {
        testPki = TestPki.create(dir.resolve("pki"));
        pki = testPki.dir();
    }

    @Test
    void writesAndReadsThroughFerryServeThatVerifiesPeers() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 8 * MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates", pki.toString(),
                "--tls-verify-peer");
        byte[] data = roundTrip(serve.port(), "disk", NbdClientTls.fromCertificates(pki, true, true));
        assertThat(TestFiles.read(file, MIB, data.length)).isEqualTo(data);
    }

    /**
     * Long requests under TLS are byte-exact: an 8 MiB WRITE, then READs from 1 MiB to 6 MiB at unaligned offsets,
     * each read by the device's I/O threads into a buffer the TLS handler encrypts. The child runs Netty's paranoid leak detector, and its log must show no leak and no error.
     */
    @Test
    void longReadsAndWritesUnderTlsAreByteExactAndLeakFree() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 16 * MIB);
        TestFiles.writeRandom(file, 0, 16 * MIB, 13);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates", pki.toString());
        byte[] written = new byte[8 * MIB];
        new Random(17).nextBytes(written);
        try (NbdClient client = connect(serve.port(), "disk", NbdClientTls.fromCertificates(pki, true, true))) {
            client.write(4 * MIB, Unpooled.wrappedBuffer(written)).join();
            client.flush().join();
            for (int round = 0; round < 3; round++) {
                for (int length : new int[] {MIB, 3 * MIB + 4096, 4 * MIB, 6 * MIB}) {
                    long offset = (long) round * 3 * MIB + 512L * length / MIB;
                    ByteBuf back = client.read(offset, length).join();
                    try {
                        assertThat(ByteBufUtil.getBytes(back)).as("%d bytes at %d", length, offset)
                                .isEqualTo(TestFiles.read(file, offset, length));
                    } finally {
                        back.release();
                    }
                }
            }
        }
        assertThat(TestFiles.read(file, 4 * MIB, written.length)).isEqualTo(written);
        assertThat(serve.log()).doesNotContain("LEAK").doesNotContain("ERROR");
    }

    @Test
    void writesAndReadsThroughNbdkitThatVerifiesPeers() throws Exception {
        ExternalTool.assumeInstalled("nbdkit", "nbdkit");
        try (NbdkitServer nbdkit = NbdkitServer.start(dir, "--tls=require", "--tls-certificates=" + pki,
                "--tls-verify-peer", "memory", "8M")) {
            roundTrip(nbdkit.port(), "", NbdClientTls.fromCertificates(pki, true, true));
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates", pki.toString());
        ExternalTool.assumeInstalled("nbdkit", "nbdkit");
        Path otherCa = TestPki.create(dir.resolve("other-pki")).dir();
        NbdClientTls trustsOtherCa = NbdClientTls.fromCertificates(otherCa, true, true);
        try (NbdkitServer nbdkit = NbdkitServer.start(dir, "--tls=require", "--tls-certificates=" + pki, "memory",
                "1M")) {
            for (int port : new int[] {serve.port(), nbdkit.port()}) {
                assertThatThrownBy(() -> connect(port, "", trustsOtherCa).close())
                        .as("port " + port).isInstanceOf(CompletionException.class)
                        .cause().isInstanceOf(NbdNegotiationException.class)
                        .hasMessageContaining("TLS handshake with 127.0.0.1:" + port + " failed")
                        .hasMessageContaining("CertPathValidatorException");
            }
        }
        assertThat(connect(serve.port(), "disk", NbdClientTls.fromCertificates(otherCa, false, true)).size())
                .as("without tls-verify-peer any certificate is taken").isEqualTo(MIB);
    }

    /** With tls-verify-peer the server's certificate must name the address connected to. */
    @Test
    void aServerCertificateForAnotherNameIsRefused() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), MIB);
        Path elsewhere = testPki.serverDirectory("elsewhere", "DNS:elsewhere.example");
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates",
                elsewhere.toString());
        assertThatThrownBy(() -> connect(serve.port(), "disk", NbdClientTls.fromCertificates(pki, true, true))
                .close()).cause().isInstanceOf(NbdNegotiationException.class).hasMessageContaining("127.0.0.1");
        assertThat(connect(serve.port(), "disk", NbdClientTls.fromCertificates(pki, false, true)).size())
                .as("without tls-verify-peer the name is not checked").isEqualTo(MIB);
    }

    @Test
    void plainTextIsRefusedWhereTlsIsRequiredOnEitherSide() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), MIB);
        ServeProcess tlsServer = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates",
                pki.toString());
        assertThatThrownBy(() -> connect(tlsServer.port(), "disk", null).close())
                .cause().isInstanceOf(NbdNegotiationException.class)
                .matches(e -> ((NbdNegotiationException) e).replyType() == NbdConstants.NBD_REP_ERR_TLS_REQD,
                        "refused with NBD_REP_ERR_TLS_REQD");

        Path plainFile = TestFiles.sparse(dir.resolve("plain.img"), MIB);
        ServeProcess plainServer = servers.start(dir, plainFile, "plain");
        assertThatThrownBy(() -> connect(plainServer.port(), "plain", NbdClientTls.fromCertificates(pki, true, true))
                .close()).cause().isInstanceOf(NbdNegotiationException.class)
                .hasMessageContaining("server refused STARTTLS").hasMessageContaining("TLS is required");
        try (NbdClient preferring = connect(plainServer.port(), "plain", NbdClientTls.fromCertificates(pki, true,
                false))) {
            assertThat(preferring.size()).as("TLS preferred, not required: plain text").isEqualTo(MIB);
        }
    }

    /** Writes 1 MiB of random bytes at 1 MiB, reads them back, and returns them. */
    private static byte[] roundTrip(int port, String export, NbdClientTls tls) {
        byte[] data = new byte[MIB];
        new Random(7).nextBytes(data);
        try (NbdClient client = connect(port, export, tls)) {
            client.write(MIB, Unpooled.wrappedBuffer(data)).join();
            client.flush().join();
            ByteBuf back = client.read(MIB, MIB).join();
            try {
                assertThat(ByteBufUtil.getBytes(back)).isEqualTo(data);
            } finally {
                back.release();
            }
        }
        return data;
    }

    private static NbdClient connect(int port, String export, NbdClientTls tls) {
        return NbdClient.connect(NbdClientConfig.builder("127.0.0.1", port).exportName(export).tls(tls)
                .connectTimeout(TIMEOUT).build()).join();
    }
}
