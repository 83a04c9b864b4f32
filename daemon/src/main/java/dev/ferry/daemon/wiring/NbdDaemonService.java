package dev.ferry.daemon.wiring;

import dev.ferry.daemon.command.SocketActivation;
import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.metrics.NbdMetrics;
import dev.ferry.daemon.process.DaemonContext;
import dev.ferry.daemon.process.DaemonService;
import dev.ferry.daemon.process.Deadline;
import dev.ferry.nbd.server.InheritedListener;
import dev.ferry.nbd.server.NbdServer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link ExportDirectory} over NBD on {@code DaemonConfig.nbdListen()}, on the Unix socket
 * {@code DaemonConfig.nbdSocket()}, or on the socket passed by socket activation ({@link SocketActivation}) when there
 * is one, as the configured access rules allow; at stop it stops accepting,
 * answers new requests with ESHUTDOWN and drains those in flight (bounded by the daemon's shutdown timeout).
 */
public final class NbdDaemonService implements DaemonService {
    private static final Logger LOG = LoggerFactory.getLogger(NbdDaemonService.class);
    private final ExportDirectory exports;
    private volatile NbdServer server;
    private volatile SocketAddress bound;

    /** A service serving {@code exports}. */
    public NbdDaemonService(ExportDirectory exports) {
        this.exports = exports;
    }

    @Override
    public String name() {
        return "nbd-server";
    }

    @Override
    public void start(DaemonContext context) throws Exception {
        InetSocketAddress listen = context.config().nbdListen();
        Optional<InheritedListener> inherited = SocketActivation.nbdListener();
        NbdServer s = NbdServer.builder()
                .catalog(exports)
                .host(listen.getHostString())
                .port(listen.getPort())
                .ioThreads(context.config().ioThreads())
                .shutdownTimeout(context.config().shutdownTimeout())
                .ioThreadStart(BlockDeviceExport::prepareEventLoopThread)
                .tls(context.config().tls())
                .access(context.config().access())
                .observer(new NbdMetrics(context.meterRegistry()))
                .build();
        Optional<Path> socket = context.config().nbdSocket();
        bound = inherited.isPresent() ? s.startOn(inherited.get())
                : socket.isPresent() ? s.startOnUnixSocket(socket.get())
                : s.start();
        server = s;
        LOG.info("serving {} exports over NBD on {}", exports.list().size(),
                inherited.map(InheritedListener::describe).orElse(String.valueOf(bound)));
    }

    /**
     * The TCP address the server is bound to (the real port when configured with port 0).
     *
     * @throws IllegalStateException before start, or when it serves a Unix socket passed by socket activation
     */
    public InetSocketAddress boundAddress() {
        SocketAddress b = bound;
        if (!(b instanceof InetSocketAddress tcp)) {
            throw new IllegalStateException(b == null ? "NBD server is not started" : "NBD server serves " + b);
        }
        return tcp;
    }

    @Override
    public void stop(Deadline deadline) {
        NbdServer s = server;
        if (s != null) {
            s.close();
        }
    }
}
