package dev.ferry.daemon.process;

import ch.qos.logback.classic.Level;
import dev.ferry.daemon.access.AccessOptions;
import dev.ferry.daemon.command.CommandFailure;
import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.command.LoggingOptions;
import dev.ferry.daemon.command.SocketActivation;
import dev.ferry.daemon.command.TlsOptions;
import dev.ferry.daemon.control.ControlEndpointInUseException;
import dev.ferry.daemon.metrics.MetricsListener;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code ferry daemon}: runs the daemon in the foreground until SIGTERM, SIGINT or
 * {@code POST /v1/shutdown}; exits 0 after a clean stop, 1 after an unclean one, 2 on a configuration
 * error, 7 when it cannot start (see {@link ExitCodes}).
 */
@Command(name = "daemon", description = "Run the ferry daemon: NBD exports and the control API.")
public final class DaemonCommand implements Callable<Integer> {
    /**
     * This class's logger, looked up when first needed: a command that never logs (every thin-client command) then
     * never starts the logging framework, which is a good part of a CLI command's start-up time.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(DaemonCommand.class);
    }

    /** Creates the daemon's services, in start order, from the resolved configuration. */
    @FunctionalInterface
    public interface ServiceFactory {
        /** The services for {@code config}, in start order. */
        List<DaemonService> create(DaemonConfig config) throws Exception;
    }

    @Option(names = "--config", paramLabel = "FILE", description = "Config file (key = value; keys: data-dir, listen, "
        + "control, log-level, io-threads, shutdown-timeout, control-group, allow-path).")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default: /var/lib/ferry as root, "
        + "else $XDG_DATA_HOME/ferry or ~/.local/share/ferry).")
    Path dataDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "NBD listen address (default 127.0.0.1:10809), "
        + "or unix:PATH for a Unix socket (mode 0600 without --access-rules, 0666 with them). Under socket activation (LISTEN_PID and LISTEN_FDS) the passed socket is served instead.")
    String listen;

    @Option(names = "--control", paramLabel = "ENDPOINT", description = "Control endpoint: a Unix socket path "
        + "(default <data-dir>/control.sock) and/or a loopback HOST:PORT; repeatable.")
    List<String> control;

    @Option(names = "--control-group", paramLabel = "GROUP", description = "Members of GROUP may use the control "
        + "socket besides root and the daemon's user; the socket is made 0660 with that group (its directory must let "
        + "them in).")
    String controlGroup;

    @Option(names = "--allow-path", paramLabel = "DIR", description = "A directory PV and device-mapper table paths "
        + "may lie under, besides the data directory and block devices under /dev; repeatable.")
    List<Path> allowPaths;

    @Mixin
    LoggingOptions logging;

    @Mixin
    TlsOptions tls;

    @Mixin
    AccessOptions access;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Also serve GET /metrics (Prometheus) over "
        + "plain HTTP on HOST:PORT, a loopback address unless --metrics-remote.")
    String metrics;

    @Option(names = "--metrics-remote", description = "Allow a --metrics address that is not loopback.")
    boolean metricsRemote;

    @Spec
    CommandSpec spec;

    private final ServiceFactory services;

    /** A daemon command with no services beyond the control plane. */
    public DaemonCommand() {
        this(config -> List.of());
    }

    /** A daemon command whose services {@code services} creates (the lead wires NBD, volumes, ... here). */
    public DaemonCommand(ServiceFactory services) {
        this.services = Objects.requireNonNull(services, "services");
    }

    /** Runs {@code ferry daemon ARGS} on its own and exits with its code. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new DaemonCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        DaemonConfig config;
        try {
            config = DaemonConfigLoader.load(new DaemonConfigLoader.CommandLine(configFile, dataDir, listen, control,
                    controlGroup, allowPaths),
                DefaultLocations.dataDirectory());
            if (metrics != null) {
                config = config.withMetricsListen(MetricsListener.checkAddress(
                    DaemonConfigLoader.hostPort("--metrics", metrics), metricsRemote));
            }
        } catch (DaemonConfigException | IllegalArgumentException e) {
            err.println("ferry daemon: " + e.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        }
        try {
            config = config.withTls(tls.settings()).withAccess(access.access(tls,
                reload -> SignalTrap.install("HUP", reload)));
        } catch (CommandFailure e) {
            err.println("ferry daemon: " + e.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        }
        if (listen != null && SocketActivation.nbdListener().isPresent()) {
            err.println("ferry daemon: --listen " + listen + " conflicts with the socket passed by socket activation");
            err.flush();
            return ExitCodes.USAGE;
        }
        config.logLevel().ifPresent(DaemonCommand::applyLogLevel);
        DaemonProcess process = DaemonProcess.builder(config).services(services.create(config)).build();
        for (String signal : List.of("TERM", "INT")) {
            SignalTrap.install(signal, () -> process.requestStop("received SIG" + signal));
        }
        Thread hook = new Thread(() -> {
            try {
                process.stop("JVM shutdown");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ferry-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            process.start();
        } catch (Exception e) {
            removeHook(hook);   // stopped already: nothing for the hook to do
            log().debug("ferry daemon failed to start", e);
            return startFailed(err, startFailure(e, config));
        }
        StopReport report = process.awaitTermination();
        removeHook(hook);
        return report.clean() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            log().debug("JVM already shutting down");
        }
    }

    /**
     * The one line that says why the daemon could not start: what is in the way for the failures a user causes and
     * fixes (a locked data directory, a taken address, a data directory that cannot be made or used), the exception
     * otherwise (its stack trace is logged at debug level, shown with {@code --verbose}).
     */
    private static String startFailure(Exception e, DaemonConfig config) {
        if (e instanceof DataDirectoryLockedException || e instanceof ControlEndpointInUseException) {
            return e.getMessage();
        }
        if (addressInUse(e)) {
            return "an address it listens on is in use by another process: NBD " + config.describeNbdListen()
                + config.controlTcp().map(t -> ", control " + t.describe()).orElse("")
                + config.metricsListen().map(m -> ", metrics " + m.getHostString() + ":" + m.getPort()).orElse("")
                + " (choose another with --listen HOST:PORT, --control or --metrics)";
        }
        if (e instanceof FileSystemException f) {
            String reason = f instanceof NoSuchFileException ? "does not exist"
                : f instanceof AccessDeniedException ? "permission denied"
                : f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
            return "data directory " + config.dataDir() + ": " + f.getFile() + ": " + reason;
        }
        return e.toString();
    }

    /** True if binding a listening socket failed because the address is taken (EADDRINUSE), at any cause depth. */
    private static boolean addressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || t.getMessage() != null && t.getMessage().contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static int startFailed(PrintWriter err, String message) {
        err.println("ferry daemon: cannot start: " + message);
        err.flush();
        return ExitCodes.START_FAILED;
    }

    private static void applyLogLevel(String level) {
        org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(Level.toLevel(level));
        }
    }
}
