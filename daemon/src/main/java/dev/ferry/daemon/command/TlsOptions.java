package dev.ferry.daemon.command;

import dev.ferry.nbd.server.TlsCertificates;
import dev.ferry.nbd.server.TlsMode;
import dev.ferry.nbd.server.TlsSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The NBD TLS options of {@code ferry serve} and {@code ferry daemon}: {@code --tls off|on|require},
 * {@code --tls-certificates DIR} (laid out as nbdkit's and qemu's: {@code server-cert.pem}, {@code server-key.pem},
 * {@code ca-cert.pem}) and {@code --tls-verify-peer} (clients must present a certificate signed by the CA).
 */
public final class TlsOptions {
    @Option(names = "--tls", paramLabel = "MODE", defaultValue = "off", converter = ModeConverter.class,
            description = "NBD TLS: off, on (for clients that ask with STARTTLS) or require (for every client). "
                + "Default: ${DEFAULT-VALUE}.")
    TlsMode mode;

    @Option(names = "--tls-certificates", paramLabel = "DIR",
            description = "Directory with server-cert.pem and server-key.pem (and ca-cert.pem for --tls-verify-peer).")
    Path certificates;

    @Option(names = "--tls-verify-peer", description = "Require client certificates signed by DIR/ca-cert.pem.")
    boolean verifyPeer;

    /** Whether clients must present a certificate signed by the CA ({@code --tls-verify-peer}). */
    public boolean verifiesPeers() {
        return verifyPeer;
    }

    /** {@code off}, {@code on} or {@code require}, in any case. */
    static final class ModeConverter implements ITypeConverter<TlsMode> {
        @Override
        public TlsMode convert(String value) {
            try {
                return TlsMode.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected off, on or require, got '" + value + "'");
            }
        }
    }

    /**
     * The TLS the options ask for, its certificates loaded.
     *
     * @throws CommandFailure USAGE when TLS is on without certificates, certificates come without TLS, or they cannot
     *                        be loaded (naming the file and why)
     */
    public TlsSettings settings() {
        if (mode == TlsMode.OFF) {
            if (certificates != null || verifyPeer) {
                throw CommandFailure.usage("--tls-certificates and --tls-verify-peer need --tls on or --tls require");
            }
            return TlsSettings.OFF;
        }
        if (certificates == null) {
            throw CommandFailure.usage("--tls " + mode.name().toLowerCase(Locale.ROOT)
                    + " needs --tls-certificates DIR (server-cert.pem, server-key.pem)");
        }
        try {
            return new TlsSettings(mode, TlsCertificates.serverContext(certificates, verifyPeer));
        } catch (IOException e) {
            throw CommandFailure.usage(e.getMessage());
        }
    }
}
