package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away X.509 PKI made by {@code openssl} for a test: a CA, a server certificate for 127.0.0.1 (its key in
 * PKCS#1, as older tools write it) and a client certificate (key in PKCS#8), laid out as nbdkit, qemu and libnbd expect
 * ({@code ca-cert.pem}, {@code server-cert.pem}, {@code server-key.pem}, {@code client-cert.pem},
 * {@code client-key.pem}), plus further client directories with a subject of the test's choosing.
 */
final class TestPki {

    private final Path dir;

    private TestPki(Path dir) {
        this.dir = dir;
    }

    /** Makes the CA, server and client certificates in {@code dir} (skips the test without openssl). */
    static TestPki create(Path dir) throws Exception {
        ExternalTool.assumeInstalled("openssl", "openssl");
        TestPki pki = new TestPki(Files.createDirectories(dir));
        pki.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca-cert.pem",
                "-days", "2", "-subj", "/CN=ferry test CA");
        pki.signed("server", "serverAuth", "/CN=127.0.0.1", "-traditional");
        pki.signed("client", "clientAuth", "/CN=127.0.0.1");
        return pki;
    }

    /** The directory: what {@code --tls-certificates} and libnbd's {@code tls-certificates} take. */
    Path dir() {
        return dir;
    }

    /**
     * A libnbd certificates directory for a client whose certificate, signed by the CA, has subject {@code subject}
     * (openssl's {@code /CN=name/O=org} form).
     */
    Path clientDirectory(String name, String subject) throws Exception {
        signed(name, "clientAuth", subject);
        Path client = Files.createDirectories(dir.resolveSibling(name));
        Files.copy(dir.resolve("ca-cert.pem"), client.resolve("ca-cert.pem"));
        Files.copy(dir.resolve(name + "-cert.pem"), client.resolve("client-cert.pem"));
        Files.copy(dir.resolve(name + "-key.pem"), client.resolve("client-key.pem"));
        return client;
    }

    /** The subject of NAME-cert.pem as {@code openssl x509 -noout -subject -nameopt RFC2253} prints it. */
    String subject(String name) throws Exception {
        openssl("x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", name + "-cert.pem");
        return Files.readString(dir.resolve("openssl.log")).strip().replaceFirst("^subject=", "");
    }

    /** NAME-key.pem (PKCS#1 with {@code -traditional}, else PKCS#8) and NAME-cert.pem for SUBJECT, signed by the CA. */
    private void signed(String name, String usage, String subject, String... keyFormat) throws Exception {
        List<String> key = new ArrayList<>(List.of("genrsa"));
        key.addAll(List.of(keyFormat));
        key.addAll(List.of("-out", name + "-key.pem", "2048"));
        openssl(key.toArray(String[]::new));
        openssl("req", "-new", "-key", name + "-key.pem", "-out", name + ".csr", "-subj", subject);
        Files.writeString(dir.resolve(name + ".ext"),
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=" + usage + "\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-out", name + "-cert.pem", "-days", "2", "-extfile", name + ".ext");
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + Files.readString(log)).isZero();
    }
}
