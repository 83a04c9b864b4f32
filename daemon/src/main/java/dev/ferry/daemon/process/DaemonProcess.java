package dev.ferry.daemon.process;

import dev.ferry.daemon.control.ControlErrors;
import dev.ferry.daemon.control.ControlException;
import dev.ferry.daemon.control.ControlPeers;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.control.ControlServer;
import dev.ferry.daemon.control.ControlToken;
import dev.ferry.daemon.control.ControlTransport;
import dev.ferry.daemon.metrics.DaemonMetrics;
import dev.ferry.daemon.metrics.MetricsListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's lifecycle (see {@link DaemonState} for the transitions): locks the data directory, starts
 * the control server, then the {@link DaemonService}s in order; stops them in reverse order within the
 * configured deadline, then the control server, then releases the lock.
 *
 * <p>The control server comes up first so {@code /v1/health} answers during start, and goes down last
 * so {@code POST /v1/shutdown} can report how the services stopped. Operation routes are refused with
 * 503 unless RUNNING.
 */
public final class DaemonProcess {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonProcess.class);
    /** Each service gets at least this long to stop, even when earlier services used up the deadline. */
    static final Duration MIN_SERVICE_GRACE = Duration.ofSeconds(1);

    private final DaemonConfig config;
    private final List<DaemonService> services;
    private final ControlTransport transport;
    private final int maxBodyBytes;
    private final LongSupplier nanoClock;
    private final ControlRouter router = new ControlRouter();
    private final CompletableFuture<StopReport> servicesStopped = new CompletableFuture<>();
    private final CompletableFuture<StopReport> terminated = new CompletableFuture<>();
    private final List<DaemonService> started = new ArrayList<>();
    private DaemonState state = DaemonState.NEW;
    private String stopReason;
    private boolean startFailed;
    private long startedAtNanos;
    private volatile DataDirectory dataDirectory;
    private volatile DaemonMetrics metrics;
    private volatile MetricsListener metricsListener;
    private volatile ControlServer control;

    private DaemonProcess(Builder b) {
        this.config = b.config;
        this.services = List.copyOf(b.services);
        this.transport = b.transport;
        this.maxBodyBytes = b.maxBodyBytes;
        this.nanoClock = b.nanoClock;
        b.routes.forEach(r -> r.accept(router));
    }

    /** A builder for a daemon with {@code config}. */
    public static Builder builder(DaemonConfig config) {
        return new Builder(config);
    }

    /**
     * Starts the daemon: NEW → STARTING → RUNNING. When a step fails, everything already started is
     * stopped (the process ends STOPPED) and the failure is rethrown; when a stop is requested during
     * the start, the start is cut short and the process is stopped before this returns.
     *
     * @throws DataDirectoryLockedException when another daemon holds the data directory
     * @throws dev.ferry.daemon.control.ControlEndpointInUseException when another daemon listens on the socket
     */
    public void start() throws Exception {
        synchronized (this) {
            transition(DaemonState.STARTING);
            startedAtNanos = nanoClock.getAsLong();
        }
        try {
            dataDirectory = DataDirectory.open(config.dataDir());
            metrics = new DaemonMetrics();
            SystemRoutes.register(router, this, metrics.registry());
            if (config.metricsListen().isPresent()) {
                metricsListener = MetricsListener.start(config.metricsListen().get(), metrics.registry());
                LOG.info("serving /metrics on http://{}:{}/metrics", metricsListener.address().getHostString(),
                    metricsListener.address().getPort());
            }
            ControlToken token = config.controlTcp().isPresent()
                ? ControlToken.publish(dataDirectory.path().resolve(ControlToken.FILE_NAME)) : null;
            ControlPeers peers = ControlPeers.forThisProcess(config.policy().controlGroup()
                .map(g -> new ControlPeers.Group(g.name(), g.gid())));
            control = new ControlServer(config.controlEndpoints(), router, this::checkAcceptsOperations,
                transport, maxBodyBytes, token, peers);
            control.start();
            metrics.bindEventLoops(control.eventLoops());
            DaemonContext context = new DaemonContext(config, dataDirectory.path(), router, metrics.registry(),
                this::requestStop);
            for (DaemonService service : services) {
                if (stopRequested()) {
                    break;
                }
                LOG.info("starting {}", service.name());
                service.start(context);
                synchronized (this) {
                    started.add(service);
                }
            }
        } catch (Exception e) {
            synchronized (this) {
                if (stopReason == null) {
                    stopReason = "start failed: " + e.getMessage();
                    startFailed = true;
                }
                transition(DaemonState.STOPPING);
            }
            runStop();
            throw e;
        }
        synchronized (this) {
            if (stopReason == null) {
                transition(DaemonState.RUNNING);
                LOG.info("ferry daemon {} running: data directory {}, control {}", BuildInfo.version(),
                    dataDirectory.path(), config.controlEndpoints().stream().map(c -> c.describe()).toList());
                return;
            }
            transition(DaemonState.STOPPING);
        }
        runStop();
    }

    /**
     * Asks the daemon to stop; idempotent and non-blocking (the stop runs on its own thread, or on the
     * starting thread during STARTING).
     *
     * @return completes once every service has stopped, just before the control server closes
     */
    public CompletableFuture<StopReport> requestStop(String reason) {
        synchronized (this) {
            if (stopReason != null) {
                LOG.info("stop already in progress ({}); ignoring: {}", stopReason, reason);
                return servicesStopped;
            }
            stopReason = reason;
            LOG.info("stopping ferry daemon: {}", reason);
            switch (state) {
                case NEW:
                    transition(DaemonState.STOPPED);
                    StopReport report = new StopReport(reason, List.of(), true);
                    servicesStopped.complete(report);
                    terminated.complete(report);
                    return servicesStopped;
                case RUNNING:
                    transition(DaemonState.STOPPING);
                    Thread stopper = new Thread(this::runStop, "ferry-stop");
                    stopper.start();
                    return servicesStopped;
                default:
                    // STARTING: the starting thread notices and stops
                    return servicesStopped;
            }
        }
    }

    /** Requests a stop and waits until STOPPED. */
    public StopReport stop(String reason) throws InterruptedException {
        requestStop(reason);
        return awaitTermination();
    }

    /** Waits until the daemon is STOPPED; returns how it stopped. */
    public StopReport awaitTermination() throws InterruptedException {
        try {
            return terminated.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("stop sequence failed", e.getCause());
        }
    }

    /** Completes when the daemon is STOPPED. */
    public CompletableFuture<StopReport> termination() {
        return terminated.copy();
    }

    private void runStop() {
        Deadline deadline = Deadline.after(config.shutdownTimeout(), nanoClock);
        List<DaemonService> toStop;
        synchronized (this) {
            toStop = new ArrayList<>(started);
        }
        List<ServiceStop> outcomes = new ArrayList<>();
        for (int i = toStop.size() - 1; i >= 0; i--) {
            outcomes.add(stopService(toStop.get(i), deadline));
        }
        StopReport report = new StopReport(stopReason, List.copyOf(outcomes),
            outcomes.stream().allMatch(ServiceStop::clean));
        servicesStopped.complete(report);
        boolean controlClean = stopControl(deadline);
        if (metricsListener != null) {
            metricsListener.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (dataDirectory != null) {
            try {
                dataDirectory.close();
            } catch (IOException e) {
                LOG.warn("cannot release data directory lock: {}", e.toString());
            }
        }
        StopReport finalReport = report.and(controlClean);
        synchronized (this) {
            transition(DaemonState.STOPPED);
        }
        if (startFailed) {   // the command reports the failure itself, in one line
            LOG.debug("ferry daemon stopped ({}): {}", finalReport.clean() ? "clean" : "NOT clean", stopReason);
        } else {
            LOG.info("ferry daemon stopped ({}): {}", finalReport.clean() ? "clean" : "NOT clean", stopReason);
        }
        terminated.complete(finalReport);
    }

    private boolean stopControl(Deadline deadline) {
        if (control == null) {
            return true;
        }
        try {
            Duration remaining = deadline.remaining();
            return control.stop(remaining.compareTo(MIN_SERVICE_GRACE) < 0 ? MIN_SERVICE_GRACE : remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private ServiceStop stopService(DaemonService service, Deadline deadline) {
        FutureTask<Void> task = new FutureTask<>(() -> {
            service.stop(deadline);
            return null;
        });
        Thread thread = new Thread(task, "ferry-stop-" + service.name());
        thread.setDaemon(true);
        LOG.info("stopping {}", service.name());
        thread.start();
        Duration wait = deadline.remaining().compareTo(MIN_SERVICE_GRACE) < 0 ? MIN_SERVICE_GRACE : deadline.remaining();
        try {
            task.get(wait.toNanos(), TimeUnit.NANOSECONDS);
            return new ServiceStop(service.name(), true, "stopped");
        } catch (TimeoutException e) {
            task.cancel(true);
            LOG.error("{} did not stop within the shutdown deadline; moving on", service.name());
            return new ServiceStop(service.name(), false, "did not stop within the shutdown deadline");
        } catch (ExecutionException e) {
            LOG.error("{} failed to stop", service.name(), e.getCause());
            return new ServiceStop(service.name(), false, "failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            task.cancel(true);
            return new ServiceStop(service.name(), false, "stop interrupted");
        }
    }

    private void checkAcceptsOperations() {
        DaemonState s = state();
        if (s == DaemonState.STARTING) {
            throw new ControlException(ControlErrors.DAEMON_STARTING, 503, "the ferry daemon is still starting; retry shortly");
        }
        if (s != DaemonState.RUNNING) {
            throw new ControlException(ControlErrors.DAEMON_STOPPING, 503, "the ferry daemon is shutting down");
        }
    }

    private synchronized boolean stopRequested() {
        return stopReason != null;
    }

    private void transition(DaemonState to) {
        state.checkTransition(to);
        state = to;
    }

    /** The current state. */
    public synchronized DaemonState state() {
        return state;
    }

    /** The resolved configuration. */
    public DaemonConfig config() {
        return config;
    }

    /** The router; routes may also be added by services at start. */
    public ControlRouter router() {
        return router;
    }

    /** The meter registry; null before start. */
    public MeterRegistry meterRegistry() {
        return metrics == null ? null : metrics.registry();
    }

    /** The {@code --metrics} listener; null before start or when not configured. */
    public MetricsListener metricsListener() {
        return metricsListener;
    }

    /** The control server; null before start. */
    public ControlServer controlServer() {
        return control;
    }

    /** The names of the services, in start order. */
    public List<String> serviceNames() {
        return services.stream().map(DaemonService::name).toList();
    }

    /** Time since {@link #start} was called. */
    public synchronized Duration uptime() {
        return state == DaemonState.NEW ? Duration.ZERO : Duration.ofNanos(nanoClock.getAsLong() - startedAtNanos);
    }

    /** Builds a {@link DaemonProcess}. */
    public static final class Builder {
        private final DaemonConfig config;
        private final List<DaemonService> services = new ArrayList<>();
        private final List<Consumer<ControlRouter>> routes = new ArrayList<>();
        private ControlTransport transport = ControlTransport.detect();
        private int maxBodyBytes = ControlServer.DEFAULT_MAX_BODY_BYTES;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder(DaemonConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Adds a service; services start in the order added and stop in reverse. */
        public Builder service(DaemonService service) {
            services.add(Objects.requireNonNull(service, "service"));
            return this;
        }

        /** Adds services in order. */
        public Builder services(List<? extends DaemonService> list) {
            list.forEach(this::service);
            return this;
        }

        /** Adds routes to the router before anything starts. */
        public Builder routes(Consumer<ControlRouter> registration) {
            routes.add(Objects.requireNonNull(registration, "registration"));
            return this;
        }

        /** The Netty transport of the control server (default: {@link ControlTransport#detect()}). */
        public Builder transport(ControlTransport value) {
            transport = Objects.requireNonNull(value, "transport");
            return this;
        }

        /** The request body limit of the control server (default 1 MiB). */
        public Builder maxBodyBytes(int value) {
            maxBodyBytes = value;
            return this;
        }

        /** The monotonic clock for deadlines and uptime (default {@code System::nanoTime}). */
        public Builder nanoClock(LongSupplier value) {
            nanoClock = Objects.requireNonNull(value, "nanoClock");
            return this;
        }

        /** Builds the process in state NEW. */
        public DaemonProcess build() {
            return new DaemonProcess(this);
        }
    }
}
