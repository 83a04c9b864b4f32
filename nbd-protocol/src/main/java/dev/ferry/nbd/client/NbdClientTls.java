package dev.ferry.nbd.client;

import dev.ferry.nbd.tls.PemFiles;
import dev.ferry.nbd.tls.TlsProviders;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * TLS for the client: STARTTLS is the first option sent, before anything else is said.
 *
 * @param context  the client TLS context: whom it trusts, whether it checks the host name, and optionally the client's
 *                 certificate ({@link #fromCertificates} makes one as libnbd would)
 * @param required whether a server that refuses STARTTLS is refused in turn (as libnbd's {@code tls=require});
 *                 otherwise negotiation goes on in plain text
 */
public record NbdClientTls(SslContext context, boolean required) {
    /** The CA that signs the server's certificate, in a libnbd certificates directory. */
    public static final String CA_CERT = "ca-cert.pem";
    /** The client's certificate (optional), in a libnbd certificates directory. */
    public static final String CLIENT_CERT = "client-cert.pem";
    /** The client's private key (with the certificate), in a libnbd certificates directory. */
    public static final String CLIENT_KEY = "client-key.pem";

    /** Checks that there is a client context. */
    public NbdClientTls {
        Objects.requireNonNull(context, "context");
        if (!context.isClient()) {
            throw new IllegalArgumentException("a server TLS context cannot be a client's");
        }
    }

    /**
     * TLS from a certificates directory laid out as libnbd's {@code tls-certificates}: {@value #CA_CERT} (needed when
     * {@code verifyPeer}, which like libnbd's {@code tls-verify-peer} checks that the server's certificate chains to
     * it and names the host connected to; without it any server certificate is taken), and {@value #CLIENT_CERT} with {@value #CLIENT_KEY} when the server wants a client
     * certificate (both or neither). TLS 1.2 and 1.3; OpenSSL when it loads ({@link TlsProviders}).
     *
     * @throws IOException naming the file that is missing, unreadable or not what it should be
     */
    public static NbdClientTls fromCertificates(Path dir, boolean verifyPeer, boolean required) throws IOException {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(TlsProviders.preferred())
                .protocols("TLSv1.3", "TLSv1.2");
        if (verifyPeer) {
            b.trustManager(PemFiles.certificates(dir.resolve(CA_CERT)).toArray(X509Certificate[]::new))
                    .endpointIdentificationAlgorithm("HTTPS");
        } else {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        }
        Path cert = dir.resolve(CLIENT_CERT);
        Path key = dir.resolve(CLIENT_KEY);
        if (Files.exists(cert) != Files.exists(key)) {
            throw new IOException(dir + " holds only one of " + CLIENT_CERT + " and " + CLIENT_KEY);
        }
        if (Files.exists(cert)) {
            b.keyManager(PemFiles.privateKey(key), PemFiles.certificates(cert).toArray(X509Certificate[]::new));
        }
        try {
            return new NbdClientTls(b.build(), required);
        } catch (IOException | RuntimeException e) {
            throw new IOException("TLS certificates in " + dir + " cannot be used: " + e.getMessage(), e);
        }
    }

    /**
     * A handler for a connection to {@code host:port} whose STARTTLS the server has just acknowledged; it sends the
     * ClientHello as soon as it is in the pipeline.
     */
    SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        return context.newHandler(alloc, host, port);
    }
}
