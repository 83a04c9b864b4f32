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
 * {@code client-key.pem}), plus further client directories with a subject of the test's choosing, and directories
 * whose server or client certificate expired long ago (signed with {@code openssl ca}, since the {@code x509 -req} of
 * OpenSSL 3.0 cannot back-date one).
 */
final class TestPki {

    /** The subject alternative names certificates get unless a test names others. */
    private static final String LOOPBACK_NAMES = "IP:127.0.0.1,DNS:localhost";

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
        pki.signed("server", "serverAuth", "/CN=127.0.0.1", LOOPBACK_NAMES, "-traditional");
        pki.signed("client", "clientAuth", "/CN=127.0.0.1", LOOPBACK_NAMES);
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
        return clientDirectory(name, subject, LOOPBACK_NAMES);
    }

    /** Like {@link #clientDirectory(String, String)}, with subject alternative names {@code sans} (openssl's form). */
    Path clientDirectory(String name, String subject, String sans) throws Exception {
        signed(name, "clientAuth", subject, sans);
        return directory(name, "client");
    }

    /**
     * A server certificates directory ({@code ca-cert.pem}, {@code server-cert.pem}, {@code server-key.pem}) like
     * {@link #dir}'s but with a server certificate that expired in 2020.
     */
    Path expiredServerDirectory() throws Exception {
        expired("expired-server", "serverAuth", "/CN=127.0.0.1");
        return directory("expired-server", "server");
    }

    /**
     * A server certificates directory like {@link #dir}'s but with a server certificate named NAME whose subject
     * alternative names are {@code sans} (openssl's form).
     */
    Path serverDirectory(String name, String sans) throws Exception {
        signed(name, "serverAuth", "/CN=" + name, sans);
        return directory(name, "server");
    }

    /** A libnbd certificates directory for a client whose certificate, signed by the CA, expired in 2020. */
    Path expiredClientDirectory() throws Exception {
        expired("expired-client", "clientAuth", "/CN=127.0.0.1");
        return directory("expired-client", "client");
    }

    /** A sibling directory NAME with the CA certificate and NAME-cert.pem, NAME-key.pem as ROLE-cert.pem, ROLE-key.pem. */
    private Path directory(String name, String role) throws Exception {
        Path out = Files.createDirectories(dir.resolveSibling(name));
        Files.copy(dir.resolve("ca-cert.pem"), out.resolve("ca-cert.pem"));
        Files.copy(dir.resolve(name + "-cert.pem"), out.resolve(role + "-cert.pem"));
        Files.copy(dir.resolve(name + "-key.pem"), out.resolve(role + "-key.pem"));
        return out;
    }

    /** The subject of NAME-cert.pem as {@code openssl x509 -noout -subject -nameopt RFC2253} prints it. */
    String subject(String name) throws Exception {
        openssl("x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", name + "-cert.pem");
        return Files.readString(dir.resolve("openssl.log")).strip().replaceFirst("^subject=", "");
    }

    /** NAME-key.pem (PKCS#1 with {@code -traditional}, else PKCS#8) and NAME-cert.pem for SUBJECT, signed by the CA. */
    private void signed(String name, String usage, String subject, String sans, String... keyFormat)
            throws Exception {
        request(name, usage, subject, sans, keyFormat);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-out", name + "-cert.pem", "-days", "2", "-extfile", name + ".ext");
    }

    /** Like {@link #signed}, but valid only during January 2020: {@code openssl ca} with a minimal configuration. */
    private void expired(String name, String usage, String subject) throws Exception {
        request(name, usage, subject, LOOPBACK_NAMES);
        if (!Files.exists(dir.resolve("ca.cnf"))) {
            Files.writeString(dir.resolve("ca.cnf"), String.join("\n", "[ca]", "default_ca = test_ca", "[test_ca]",
                    "database = index.txt", "new_certs_dir = .", "certificate = ca-cert.pem",
                    "private_key = ca-key.pem", "serial = ca.serial", "default_md = sha256", "policy = any",
                    "unique_subject = no", "[any]", "commonName = supplied", ""));
            Files.writeString(dir.resolve("index.txt"), "");
            Files.writeString(dir.resolve("ca.serial"), "1000\n");
        }
        openssl("ca", "-batch", "-config", "ca.cnf", "-notext", "-startdate", "20200101000000Z", "-enddate",
                "20200131000000Z", "-in", name + ".csr", "-out", name + "-cert.pem", "-extfile", name + ".ext");
    }

    /** NAME-key.pem, a request NAME.csr for SUBJECT, and NAME.ext with the SANS and USAGE its certificate gets. */
    private void request(String name, String usage, String subject, String sans, String... keyFormat)
            throws Exception {
        List<String> key = new ArrayList<>(List.of("genrsa"));
        key.addAll(List.of(keyFormat));
        key.addAll(List.of("-out", name + "-key.pem", "2048"));
        openssl(key.toArray(String[]::new));
        openssl("req", "-new", "-key", name + "-key.pem", "-out", name + ".csr", "-subj", subject);
        Files.writeString(dir.resolve(name + ".ext"),
                "subjectAltName=" + sans + "\nextendedKeyUsage=" + usage + "\n");
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
