package dev.ferry.nbd.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS implementation builds Ferry's contexts: OpenSSL (the BoringSSL that netty-tcnative-boringssl-static
 * ships) when its native library loads on this platform, else the JDK's {@code SSLEngine}; the choice is logged once.
 * OpenSSL encrypts and decrypts bulk data markedly faster, which is what TLS throughput depends on.
 */
public final class TlsProviders {
    private static final Logger LOG = LoggerFactory.getLogger(TlsProviders.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private TlsProviders() {
    }

    /** OpenSSL when available, otherwise the JDK. */
    public static SslProvider preferred() {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        if (LOGGED.compareAndSet(false, true)) {
            if (provider == SslProvider.OPENSSL) {
                LOG.info("TLS by OpenSSL ({})", OpenSsl.versionString());
            } else {
                LOG.info("TLS by the JDK: OpenSSL is unavailable ({})", String.valueOf(OpenSsl.unavailabilityCause()));
            }
        }
        return provider;
    }
}
