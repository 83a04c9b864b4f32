package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildJvm;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * NBD over TLS against libnbd's real clients ({@code nbdinfo}, {@code nbdcopy} with {@code nbds://} URIs and
 * {@code tls-certificates}): {@code ferry serve --tls require} refuses plain clients and moves every byte both ways
 * under TLS, with OpenSSL where its native library loads (the JDK's TLS where it does not, or is told not to);
 * {@code --tls on} serves both; {@code --tls-verify-peer} refuses a client without a certificate signed by the
 * CA and serves one with it; certificates from another CA are refused in both directions; qemu's client
 * ({@code qemu-io} with a {@code tls-creds-x509} object) reads and writes under required TLS and is refused without it;
 * unusable certificates stop {@code ferry serve} with one line and exit 2. The certificates are made by {@code openssl}
 * for the test ({@link TestPki}).
 */
class TlsInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;
    private Path pki;

    @BeforeEach
    void certificates() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo", "nbdcopy");
        pki = TestPki.create(dir.resolve("pki")).dir();
    }

    @Test
    void requiredTlsRefusesPlainClientsAndCarriesEveryByteUnderTls() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 16 * MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates", pki.toString());

        ExternalTool.Result plain = ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.uri());
        assertThat(plain.exitCode()).as(plain.describe()).isNotZero();
        assertThat(plain.stderr()).containsIgnoringCase("TLS");

        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(pki)).assertSuccess().stdout().trim())
                .isEqualTo(String.valueOf(16 * MIB));
        Path source = dir.resolve("source.img");
        TestFiles.sparse(source, 16 * MIB);
        TestFiles.writeRandom(source, 0, 16 * (int) MIB, 42);
        ExternalTool.run(TIMEOUT, "nbdcopy", source.toString(), serve.tlsUri(pki)).assertSuccess();
        Path back = dir.resolve("back.img");
        ExternalTool.run(TIMEOUT, "nbdcopy", serve.tlsUri(pki), back.toString()).assertSuccess();
        assertThat(TestFiles.sha256(back)).isEqualTo(TestFiles.sha256(source));
        assertThat(TestFiles.sha256(file)).isEqualTo(TestFiles.sha256(source));
        boolean nativeHere = System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64");
        assertThat(serve.log()).as("the implementation is chosen without a flag, and logged")
                .contains(nativeHere ? "TLS by OpenSSL" : "TLS by the JDK");
    }

    /** Without OpenSSL (netty told not to load it) the JDK's TLS serves instead, and the log says so. */
    @Test
    void theJdksTlsServesWhenOpenSslIsUnavailable() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 4 * MIB);
        int port = ServeProcess.freePort();
        ServeProcess serve = servers.own(ServeProcess.launch(dir, port, "disk",
                List.of("-Dio.netty.handler.ssl.noOpenSsl=true"), List.of("serve", file.toString(), "--name", "disk",
                        "--listen", "127.0.0.1:" + port, "--tls", "require", "--tls-certificates", pki.toString())));
        serve.awaitListening();
        assertThat(serve.log()).contains("TLS by the JDK: OpenSSL is unavailable");
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(pki)).assertSuccess().stdout().trim())
                .isEqualTo(String.valueOf(4 * MIB));
    }

    @Test
    void optionalTlsServesPlainAndTlsClients() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 4 * MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "on", "--tls-certificates", pki.toString());
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.uri()).assertSuccess().stdout().trim())
                .isEqualTo(String.valueOf(4 * MIB));
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(pki)).assertSuccess().stdout().trim())
                .isEqualTo(String.valueOf(4 * MIB));
    }

    @Test
    void verifiedPeersNeedAClientCertificateSignedByTheCa() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 4 * MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates", pki.toString(),
                "--tls-verify-peer");
        Path anonymous = Files.createDirectories(dir.resolve("anonymous"));
        Files.copy(pki.resolve("ca-cert.pem"), anonymous.resolve("ca-cert.pem"));
        ExternalTool.Result refused = ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(anonymous));
        assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(pki)).assertSuccess().stdout().trim())
                .isEqualTo(String.valueOf(4 * MIB));
    }

    /** A client certificate from a CA the server does not trust is refused; so is a server the client's CA did not sign. */
    @Test
    void certificatesFromAnotherCaAreRefusedBothWays() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 4 * MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates", pki.toString(),
                "--tls-verify-peer");
        Path other = TestPki.create(dir.resolve("other-pki")).dir();
        Path strangerClient = Files.createDirectories(dir.resolve("stranger"));
        Files.copy(pki.resolve("ca-cert.pem"), strangerClient.resolve("ca-cert.pem"));   // trusts the server
        Files.copy(other.resolve("client-cert.pem"), strangerClient.resolve("client-cert.pem"));
        Files.copy(other.resolve("client-key.pem"), strangerClient.resolve("client-key.pem"));
        ExternalTool.Result unknownClient = ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(strangerClient));
        assertThat(unknownClient.exitCode()).as(unknownClient.describe()).isNotZero();
        Poll.until(TIMEOUT, "the refusal in the server's log", () -> serve.log().contains("TLS handshake failed"));

        ExternalTool.Result unknownServer = ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(other));
        assertThat(unknownServer.exitCode()).as(unknownServer.describe()).isNotZero();
        assertThat(unknownServer.stderr()).containsIgnoringCase("certificate");

        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--size", serve.tlsUri(pki)).assertSuccess().stdout().trim())
                .as("the right certificates still work").isEqualTo(String.valueOf(4 * MIB));
    }

    /** qemu's own NBD client, with its x509 credentials object, reads and writes through required TLS. */
    @Test
    void qemuIoWithX509CredentialsReadsAndWrites() throws Exception {
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 4 * MIB);
        ServeProcess serve = servers.start(dir, file, "disk", "--tls", "require", "--tls-certificates", pki.toString(),
                "--tls-verify-peer");
        String image = "driver=nbd,host=127.0.0.1,port=" + serve.port() + ",export=disk,tls-creds=tls0";
        String credentials = "tls-creds-x509,id=tls0,endpoint=client,dir=" + pki;
        ExternalTool.run(TIMEOUT, "qemu-io", "--object", credentials, "--image-opts", image,
                "-c", "write -P 0xa5 1M 64k", "-c", "read -P 0xa5 1M 64k", "-c", "read -P 0 0 64k").assertSuccess();
        byte[] written = Files.readAllBytes(file);
        for (int i = 0; i < 64 * 1024; i++) {
            assertThat(written[(int) MIB + i]).isEqualTo((byte) 0xa5);
        }
        ExternalTool.Result plain = ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-c", "read 0 4k",
                "nbd://127.0.0.1:" + serve.port() + "/disk");
        assertThat(plain.exitCode()).as("qemu-io without TLS: " + plain.describe()).isNotZero();
    }

    @Test
    void unusableCertificatesStopServeWithOneLineAndExitTwo() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), MIB);
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path log = dir.resolve("serve.log");
        Process p = ChildJvm.start(List.of("serve", file.toString(), "--listen", "127.0.0.1:0", "--tls", "require",
                "--tls-certificates", empty.toString()), java.util.Map.of(), log);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log)).contains("TLS file " + empty.resolve("server-cert.pem")
                + " is missing or unreadable").doesNotContain("\tat ");
    }
}
