package dev.ferry.daemon.serve;

import dev.ferry.daemon.command.CommandFailure;
import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.daemon.export.SingleExportCatalog;
import dev.ferry.daemon.metrics.DaemonMetrics;
import dev.ferry.daemon.metrics.MetricsListener;
import dev.ferry.daemon.metrics.NbdMetrics;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.nbd.server.InheritedListener;
import dev.ferry.nbd.server.NbdServer;
import dev.ferry.nbd.server.NbdTrafficObserver;
import dev.ferry.nbd.server.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file or block device served over NBD until asked to stop.
 *
 * <p>States in {@link State}. {@link #requestStop()} may be called from any thread (a signal handler) at any
 * time; the thread that called {@link #start(Runnable)} performs the shutdown in
 * {@link #awaitStopRequestAndStop()}: stop accepting and drain in-flight requests, flush the device, close it,
 * then stop the I/O threads.
 */
public final class FileServer {

    private static final Logger log = LoggerFactory.getLogger(FileServer.class);

    /**
     * The life cycle of a {@link FileServer} (which owns the transitions).
     *
     * <pre>
     * NEW ──start──► RUNNING ──stop (drains, flushes, closes), or the start failed──► STOPPED
     * </pre>
     *
     * <p>No STOPPING: the stop runs on the thread that started the server, holding the server's lock, so no
     * caller can see it between RUNNING and STOPPED ({@link #requestStop()} only wakes that thread). No
     * NEW → STOPPED: a server that never started cannot be stopped.
     */
    enum State {
        /** Built; nothing opened. */
        NEW,
        /** Opening the file and binding (inside {@link #start(Runnable)}), then serving. */
        RUNNING,
        /** Terminal: the NBD server, the device and the I/O threads are closed. */
        STOPPED;

        /** The states this state may move to. */
        Set<State> successors() {
            return switch (this) {
                case NEW -> EnumSet.of(RUNNING);
                case RUNNING -> EnumSet.of(STOPPED);
                case STOPPED -> EnumSet.noneOf(State.class);
            };
        }

        /** Throws {@link IllegalStateException} naming both states unless {@code next} is a successor. */
        void checkTransition(State next) {
            if (!successors().contains(next)) {
                throw new IllegalStateException("file server cannot go from " + this + " to " + next);
            }
        }
    }

    private final ServeOptions options;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private State state = State.NEW;
    private ExecutorService ioPool;
    private BlockDevice device;
    private NbdServer server;
    private DaemonMetrics metrics;
    private MetricsListener metricsListener;

    /** Prepares to serve as {@code options} say; nothing happens before {@link #start(Runnable)}. */
    public FileServer(ServeOptions options) {
        this.options = options;
    }

    /**
     * Opens (or creates) the file, runs {@code beforeListening} (e.g. to trap signals that call
     * {@link #requestStop()}), then starts listening (or serving the socket passed in); returns the local address.
     */
    public synchronized SocketAddress start(Runnable beforeListening) throws InterruptedException {
        transition(State.RUNNING);
        boolean started = false;
        try {
            Transport transport = resolveTransport();
            BackingFile.prepare(options.file(), options.createSize(), options.createParents());
            ioPool = IoExecutors.newDefaultPool();
            device = openDevice();
            if (options.createSize().isPresent() && device.size() != options.createSize().getAsLong()) {
                throw CommandFailure.usage(options.file() + " exists with " + device.size()
                        + " bytes, but --size asks for " + options.createSize().getAsLong()
                        + " (--size only sets the size of a file it creates)");
            }
            BlockDeviceExport export = new BlockDeviceExport(options.exportName(), options.description(), device,
                    options.readOnly());
            NbdTrafficObserver observer = NbdTrafficObserver.NONE;
            if (options.metricsListen().isPresent()) {
                metrics = new DaemonMetrics();
                metricsListener = listenMetrics(options.metricsListen().get());
                observer = new NbdMetrics(metrics.registry());
            }
            server = NbdServer.builder()
                    .catalog(new SingleExportCatalog(export))
                    .observer(observer)
                    .host(options.listen().getAddress().getHostAddress())
                    .port(options.listen().getPort())
                    .transport(options.transport())
                    .shutdownTimeout(options.drainTimeout())
                    .ioThreadStart(BlockDeviceExport::prepareEventLoopThread)
                    .tls(options.tls())
                    .access(options.access())
                    .build();
            beforeListening.run();
            SocketAddress bound = bind(server);
            log.info("serving {} ({} bytes{}) as export '{}' on {} over {}", device.describe(), device.size(),
                    options.readOnly() ? ", read-only" : "", options.exportName(), where(bound),
                    options.inherited().isPresent() || options.unixSocket().isPresent() ? "epoll" : transport);
            started = true;
            return bound;
        } finally {
            if (!started) {
                transition(State.STOPPED);
                releaseResources();
            }
        }
    }

    private Transport resolveTransport() {
        try {
            return options.transport().resolve();
        } catch (RuntimeException | LinkageError e) { // Netty reports a missing native transport as an Error
            throw new CommandFailure(CommandFailure.START_FAILED, "transport " + options.transport()
                    + " is not available here: " + e.getMessage(), e);
        }
    }

    private BlockDevice openDevice() {
        try {
            return FileBlockDevice.open(options.file(),
                    options.readOnly() ? FileBlockDevice.Access.READ_ONLY : FileBlockDevice.Access.READ_WRITE, ioPool);
        } catch (IOException e) {
            throw new CommandFailure(CommandFailure.RUNTIME, options.file() + ": cannot open: " + e.getMessage(), e);
        }
    }

    private SocketAddress bind(NbdServer nbd) throws InterruptedException {
        String on = options.inherited().map(InheritedListener::describe).orElse(options.unixSocket()
                .map(p -> "unix:" + p)
                .orElse(options.listen().getAddress().getHostAddress() + ":" + options.listen().getPort()));
        try {
            return options.inherited().isPresent() ? nbd.startOn(options.inherited().get())
                    : options.unixSocket().isPresent() ? nbd.startOnUnixSocket(options.unixSocket().get())
                    : nbd.start();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) { // Netty rethrows the bind's checked exceptions undeclared
            throw new CommandFailure(CommandFailure.START_FAILED, "cannot listen on " + on + ": " + e.getMessage(), e);
        }
    }

    /** How the log names where clients connect: an NBD URI for TCP or a Unix socket, the socket otherwise. */
    private String where(SocketAddress bound) {
        if (bound instanceof InetSocketAddress tcp) {
            return "nbd://" + tcp.getAddress().getHostAddress() + ":" + tcp.getPort() + "/" + options.exportName();
        }
        if (options.unixSocket().isPresent()) {
            return "nbd+unix:///" + options.exportName() + "?socket=" + options.unixSocket().get();
        }
        return options.inherited().map(InheritedListener::describe).orElseThrow();
    }

    private MetricsListener listenMetrics(InetSocketAddress address) {
        try {
            MetricsListener l = MetricsListener.start(address, metrics.registry());
            log.info("serving /metrics on http://{}:{}/metrics", l.address().getHostString(), l.address().getPort());
            return l;
        } catch (IOException e) {
            throw new CommandFailure(CommandFailure.START_FAILED, "cannot serve metrics on "
                    + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage(), e);
        }
    }

    /** Asks the server to stop; returns at once. Safe from any thread, any number of times. */
    public void requestStop() {
        stopRequested.countDown();
    }

    /**
     * Blocks until {@link #requestStop()} is called, then shuts down gracefully.
     *
     * @return whether everything was flushed and closed cleanly
     */
    public boolean awaitStopRequestAndStop() throws InterruptedException {
        stopRequested.await();
        return stop();
    }

    private synchronized boolean stop() throws InterruptedException {
        transition(State.STOPPED);
        boolean clean = true;
        server.close(); // stops accepting, answers new requests with ESHUTDOWN, drains in-flight ones
        try {
            device.flush().get(options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.error("final flush of {} failed: {}", device.describe(), e.toString());
            clean = false;
        }
        releaseResources();
        log.info("stopped{}", clean ? "" : " with errors");
        return clean;
    }

    private void releaseResources() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        if (device != null) {
            device.close();
        }
        if (metricsListener != null) {
            metricsListener.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (ioPool != null) {
            ioPool.shutdown();
            if (!ioPool.awaitTermination(options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("I/O threads still busy after {}", options.drainTimeout());
            }
        }
    }

    /** The current state. */
    synchronized State state() {
        return state;
    }

    private void transition(State to) {
        state.checkTransition(to);
        state = to;
    }
}
