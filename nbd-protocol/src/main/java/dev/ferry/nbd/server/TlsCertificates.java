package dev.ferry.nbd.server;

import dev.ferry.nbd.tls.PemFiles;
import dev.ferry.nbd.tls.TlsProviders;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A server TLS context from a certificates directory laid out as nbdkit's and qemu's ({@code --tls-certificates}):
 * {@value #SERVER_CERT} (the server's certificate, then any intermediates), {@value #SERVER_KEY} (its private key, in
 * a PEM form {@link PemFiles} reads) and, to verify clients, {@value #CA_CERT} (the authority client certificates must
 * chain to). TLS 1.2 and 1.3 only; OpenSSL when it loads, else the JDK ({@link TlsProviders}).
 */
public final class TlsCertificates {
    /** The server certificate chain. */
    public static final String SERVER_CERT = "server-cert.pem";
    /** The server private key. */
    public static final String SERVER_KEY = "server-key.pem";
    /** The certificate authority of the clients, when they are verified. */
    public static final String CA_CERT = "ca-cert.pem";

    private TlsCertificates() {
    }

    /**
     * The server context for {@code dir}; with {@code verifyClients}, clients must present a certificate signed by
     * {@value #CA_CERT}.
     *
     * @throws IOException naming the file that is missing, unreadable or not what it should be
     */
    public static SslContext serverContext(Path dir, boolean verifyClients) throws IOException {
        List<X509Certificate> chain = PemFiles.certificates(dir.resolve(SERVER_CERT));
        PrivateKey key = PemFiles.privateKey(dir.resolve(SERVER_KEY));
        try {
            SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(TlsProviders.preferred())
                    .protocols("TLSv1.3", "TLSv1.2");
            if (verifyClients) {
                b.trustManager(PemFiles.certificates(dir.resolve(CA_CERT)).toArray(X509Certificate[]::new))
                        .clientAuth(ClientAuth.REQUIRE);
            }
            return b.build();
        } catch (IOException | RuntimeException e) {
            throw new IOException("TLS certificates in " + dir + " cannot be used: " + e.getMessage(), e);
        }
    }
}
