package dev.ferry.daemon.serve;

import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.server.InheritedListener;
import dev.ferry.nbd.server.TlsSettings;
import dev.ferry.nbd.server.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code ferry serve} was asked to do.
 *
 * @param file          the file or block device to serve
 * @param exportName    the NBD export name (the default name "" selects it too)
 * @param description   sent as NBD_INFO_DESCRIPTION
 * @param listen        address to listen on, unless {@code inherited} or {@code unixSocket} is present
 * @param unixSocket    the Unix socket to listen on instead of TCP
 * @param inherited     a listening socket passed by socket activation, served instead of binding {@code listen}
 * @param readOnly      refuse writes
 * @param createSize    size of the sparse file to create when {@code file} is missing
 * @param createParents also create the missing parent directories of {@code file}
 * @param transport     Netty transport
 * @param drainTimeout  how long a graceful shutdown waits for in-flight requests and the final flush
 * @param tls           NBD TLS
 * @param metricsListen where to serve {@code GET /metrics} over plain HTTP, if anywhere (already checked)
 * @param access        which NBD client may open the export, and how
 */
public record ServeOptions(Path file, String exportName, String description, InetSocketAddress listen,
                           Optional<Path> unixSocket, Optional<InheritedListener> inherited, boolean readOnly, OptionalLong createSize,
                           boolean createParents, Transport transport, Duration drainTimeout, TlsSettings tls,
                           Optional<InetSocketAddress> metricsListen, ExportAccess access) {

    /** Checks that nothing is missing. */
    public ServeOptions {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(exportName, "exportName");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(inherited, "inherited");
        Objects.requireNonNull(createSize, "createSize");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(metricsListen, "metricsListen");
        Objects.requireNonNull(unixSocket, "unixSocket");
        Objects.requireNonNull(access, "access");
    }
}
