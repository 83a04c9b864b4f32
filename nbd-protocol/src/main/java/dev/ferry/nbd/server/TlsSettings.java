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
     * Plain text handed to one {@code wrap}: OpenSSL's engine seals up to this many bytes into consecutive 16 KiB
     * records in one call and one output buffer (the JDK's seals one record per call either way), so a 1 MiB READ
     * reply costs 16 calls instead of 64.
     */
    static final int WRAP_DATA_SIZE = 64 * 1024;

    /**
     * A handler for a connection whose plain-text STARTTLS acknowledgement has already been written. The context makes
     * it, so an OpenSSL engine runs outside the JDK compatibility mode and unwraps every whole record received at once
     * rather than one per call.
     */
    SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler handler = context.newHandler(alloc);
        handler.setWrapDataSize(WRAP_DATA_SIZE);
        return handler;
    }
}
