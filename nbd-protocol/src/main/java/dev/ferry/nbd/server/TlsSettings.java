package dev.ferry.nbd.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.Objects;

/**
 * A server's TLS: its {@link TlsMode} and, unless the mode is OFF, the server-side {@link SslContext} that STARTTLS
 * hands a connection to ({@link TlsCertificates} builds one from a certificates directory).
 *
 * @param mode    off, on or require
 * @param context the TLS context; null exactly when {@code mode} is OFF
 */
public record TlsSettings(TlsMode mode, SslContext context) {
    /** No TLS. */
    public static final TlsSettings OFF = new TlsSettings(TlsMode.OFF, null);

    /** Checks that a context comes with every mode but OFF, and only then. */
    public TlsSettings {
        Objects.requireNonNull(mode, "mode");
        if ((mode == TlsMode.OFF) != (context == null)) {
            throw new IllegalArgumentException("TLS mode " + mode + (context == null ? " needs" : " takes no")
                    + " TLS context");
        }
        if (context != null && !context.isServer()) {
            throw new IllegalArgumentException("a client TLS context cannot serve");
        }
    }

    /**
     * A handler that starts TLS on a connection after the plain-text STARTTLS acknowledgement, which it lets through
     * unencrypted (Netty's {@code startTls}).
     */
    SslHandler newHandler(ByteBufAllocator alloc) {
        return new SslHandler(context.newEngine(alloc), true);
    }
}
