package dev.ferry.daemon.process;

import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.server.TlsSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The daemon's resolved configuration (command line over config file over defaults; see
 * {@link DaemonConfigLoader} for the keys).
 *
 * @param dataDir         data directory (lock, control socket, remembered PVs)
 * @param nbdListen       where the NBD server listens over TCP (default 127.0.0.1:10809), unless {@code nbdSocket}
 * @param nbdSocket       the Unix socket the NBD server listens on instead of TCP ({@code --listen unix:PATH})
 * @param controlSocket   the control API's Unix socket (default {@code <data-dir>/control.sock})
 * @param controlTcp      the control API's optional loopback TCP endpoint
 * @param logLevel        root log level override, if any
 * @param ioThreads       NBD I/O threads
 * @param shutdownTimeout bound on a graceful stop
 * @param tls             NBD TLS ({@code --tls}, {@code --tls-certificates})
 * @param metricsListen   where the optional {@code --metrics} listener serves {@code /metrics} (already checked)
 * @param access          which NBD client may open which export ({@code --access-rules}; default: everyone, rw)
 * @param policy          who may use the control socket ({@code --control-group}) and where PV and table paths may
 *                        lie ({@code --allow-path})
 */
public record DaemonConfig(Path dataDir, InetSocketAddress nbdListen, Optional<Path> nbdSocket,
                           ControlEndpoint.UnixSocket controlSocket,
                           Optional<ControlEndpoint.LoopbackTcp> controlTcp, Optional<String> logLevel,
                           int ioThreads, Duration shutdownTimeout, TlsSettings tls,
                           Optional<InetSocketAddress> metricsListen, ExportAccess access,
                           AccessSettings policy) {
    /** Default NBD port (IANA). */
    public static final int DEFAULT_NBD_PORT = 10809;

    /** Validates. */
    public DaemonConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(nbdListen, "nbdListen");
        Objects.requireNonNull(nbdSocket, "nbdSocket");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(controlSocket, "controlSocket");
        Objects.requireNonNull(controlTcp, "controlTcp");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(metricsListen, "metricsListen");
        if (!dataDir.isAbsolute()) {
            throw new IllegalArgumentException("data directory must be absolute: " + dataDir);
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("io threads must be >= 1: " + ioThreads);
        }
        if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
            throw new IllegalArgumentException("shutdown timeout must be positive: " + shutdownTimeout);
        }
    }

    /** A TCP configuration without NBD TLS, access rules, a control group, allowed paths or a {@code --metrics} listener. */
    public DaemonConfig(Path dataDir, InetSocketAddress nbdListen, ControlEndpoint.UnixSocket controlSocket,
                        Optional<ControlEndpoint.LoopbackTcp> controlTcp, Optional<String> logLevel, int ioThreads,
                        Duration shutdownTimeout) {
        this(dataDir, nbdListen, Optional.empty(), controlSocket, controlTcp, logLevel, ioThreads, shutdownTimeout,
            TlsSettings.OFF, Optional.empty(), ExportAccess.OPEN, AccessSettings.DEFAULT);
    }

    /** This configuration with NBD TLS {@code tls}. */
    public DaemonConfig withTls(TlsSettings tls) {
        return new DaemonConfig(dataDir, nbdListen, nbdSocket, controlSocket, controlTcp, logLevel, ioThreads,
            shutdownTimeout, tls, metricsListen, access, policy);
    }

    /** This configuration with the {@code --metrics} listener on {@code address}. */
    public DaemonConfig withMetricsListen(InetSocketAddress address) {
        return new DaemonConfig(dataDir, nbdListen, nbdSocket, controlSocket, controlTcp, logLevel, ioThreads,
            shutdownTimeout, tls, Optional.of(address), access, policy);
    }

    /** This configuration with NBD on the Unix socket {@code path} instead of TCP. */
    public DaemonConfig withNbdSocket(Path path) {
        return new DaemonConfig(dataDir, nbdListen, Optional.of(path), controlSocket, controlTcp, logLevel, ioThreads,
            shutdownTimeout, tls, metricsListen, access, policy);
    }

    /** This configuration with NBD access decided by {@code access}. */
    public DaemonConfig withAccess(ExportAccess access) {
        return new DaemonConfig(dataDir, nbdListen, nbdSocket, controlSocket, controlTcp, logLevel, ioThreads,
            shutdownTimeout, tls, metricsListen, access, policy);
    }

    /** This configuration with the control group and allowed path directories of {@code policy}. */
    public DaemonConfig withPolicy(AccessSettings policy) {
        return new DaemonConfig(dataDir, nbdListen, nbdSocket, controlSocket, controlTcp, logLevel, ioThreads,
            shutdownTimeout, tls, metricsListen, access, policy);
    }

    /** How messages name where NBD clients connect: {@code unix:PATH} or {@code HOST:PORT}. */
    public String describeNbdListen() {
        return nbdSocket.map(p -> "unix:" + p).orElse(nbdListen.getHostString() + ":" + nbdListen.getPort());
    }

    /** Defaults for {@code dataDir}: everything else at its default. */
    public static DaemonConfig defaults(Path dataDir) {
        return new DaemonConfig(dataDir, new InetSocketAddress("127.0.0.1", DEFAULT_NBD_PORT),
            new ControlEndpoint.UnixSocket(dataDir.resolve(DefaultLocations.CONTROL_SOCKET_NAME)), Optional.empty(), Optional.empty(),
            Runtime.getRuntime().availableProcessors(), Duration.ofSeconds(30));
    }

    /** The control endpoints to listen on: the Unix socket, then the TCP port if any. */
    public List<ControlEndpoint> controlEndpoints() {
        List<ControlEndpoint> out = new ArrayList<>();
        out.add(controlSocket);
        controlTcp.ifPresent(out::add);
        return out;
    }
}
