package dev.ferry.daemon.wiring;

import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.metrics.NbdMetrics;
import dev.ferry.daemon.process.DaemonContext;
import dev.ferry.daemon.process.DaemonService;
import dev.ferry.daemon.process.Deadline;
import dev.ferry.nbd.server.NbdServer;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link ExportDirectory} over NBD on {@code DaemonConfig.nbdListen()}; at stop it stops accepting,
 * answers new requests with ESHUTDOWN and drains those in flight (bounded by the daemon's shutdown timeout).
 */
public final class NbdDaemonService implements DaemonService {
    private static final Logger LOG = LoggerFactory.getLogger(NbdDaemonService.class);
    private final ExportDirectory exports;
    private volatile NbdServer server;
    private volatile InetSocketAddress bound;

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
        NbdServer s = NbdServer.builder()
                .catalog(exports)
                .host(listen.getHostString())
                .port(listen.getPort())
                .ioThreads(context.config().ioThreads())
                .shutdownTimeout(context.config().shutdownTimeout())
                .observer(new NbdMetrics(context.meterRegistry()))
                .build();
        bound = s.start();
        server = s;
        LOG.info("serving {} exports over NBD on {}", exports.list().size(), bound);
    }

    /**
     * The address the server is bound to (the real port when configured with port 0).
     *
     * @throws IllegalStateException before start
     */
    public InetSocketAddress boundAddress() {
        InetSocketAddress b = bound;
        if (b == null) {
            throw new IllegalStateException("NBD server is not started");
        }
        return b;
    }

    @Override
    public void stop(Deadline deadline) {
        NbdServer s = server;
        if (s != null) {
            s.close();
        }
    }
}
