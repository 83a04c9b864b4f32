package dev.ferry.daemon.cli;

import dev.ferry.daemon.access.AccessOptions;
import dev.ferry.daemon.command.CommandFailure;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.command.LoggingOptions;
import dev.ferry.daemon.command.SocketActivation;
import dev.ferry.daemon.command.TlsOptions;
import dev.ferry.daemon.metrics.MetricsListener;
import dev.ferry.daemon.process.SignalTrap;
import dev.ferry.daemon.serve.FileServer;
import dev.ferry.daemon.serve.ServeOptions;
import dev.ferry.nbd.server.InheritedListener;
import dev.ferry.nbd.server.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ferry serve FILE}: serves one regular file or block device over NBD until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = FerryVersion.class,
        description = {"Serve a regular file or block device over NBD (like 'nbdkit file').",
            "Without FILE, serves " + ServeCommand.DEFAULT_FILE_TEXT + ", created sparse with "
                + ServeCommand.DEFAULT_SIZE_TEXT + " when missing."})
public final class ServeCommand implements Callable<Integer> {

    /**
     * This class's logger, looked up when first needed: a command that never logs (every thin-client command) then
     * never starts the logging framework, which is a good part of a CLI command's start-up time.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(ServeCommand.class);
    }

    static final String DEFAULT_FILE_TEXT = "ferry-data/disk.img";
    static final String DEFAULT_SIZE_TEXT = "1G";
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    static final String DEFAULT_LISTEN = "127.0.0.1:10809";
    private static final String UNIX_PREFIX = "unix:";

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "File or block device to serve (default: " + DEFAULT_FILE_TEXT + ").")
    Path file;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Export name (default: the file name); the empty name selects it too.")
    String name;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Address to listen on (default: " + DEFAULT_LISTEN + "), or unix:PATH for a Unix socket "
                + "(mode 0600 without --access-rules, 0666 with them). Under socket activation (LISTEN_PID "
                + "and LISTEN_FDS, from systemd or libnbd) the passed socket is served instead.")
    String listen;

    @Option(names = "--read-only", description = "Refuse writes, trims and zeroing.")
    boolean readOnly;

    @Option(names = "--size", paramLabel = "SIZE", converter = SizeArgument.class,
            description = "Create FILE as a sparse file of SIZE when it is missing (e.g. 10G, 2048s, 1.5T).")
    Long size;

    @Option(names = "--transport", paramLabel = "TRANSPORT", defaultValue = "auto",
            description = "Network transport: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Transport transport;

    @Option(names = "--description", paramLabel = "TEXT", defaultValue = "",
            description = "Description sent to clients (NBD_INFO_DESCRIPTION).")
    String description;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = ListenAddressArgument.class,
            description = "Also serve GET /metrics (Prometheus) over plain HTTP on HOST:PORT, a loopback address "
                    + "unless --metrics-remote.")
    InetSocketAddress metrics;

    @Option(names = "--metrics-remote", description = "Allow a --metrics address that is not loopback.")
    boolean metricsRemote;

    @Mixin
    LoggingOptions logging;

    @Mixin
    TlsOptions tls;

    @Mixin
    AccessOptions access;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        boolean useDefault = file == null;
        Path path = useDefault ? Path.of(DEFAULT_FILE_TEXT) : file;
        // The default file is created with the default size; an existing one is served at whatever size it has.
        OptionalLong createSize = size != null ? OptionalLong.of(size)
                : useDefault && !Files.exists(path) ? OptionalLong.of(SizeArgument.parse(DEFAULT_SIZE_TEXT))
                : OptionalLong.empty();
        String exportName = name != null ? name : String.valueOf(path.getFileName());
        Optional<InheritedListener> inherited = SocketActivation.nbdListener();
        if (inherited.isPresent() && listen != null) {
            throw CommandFailure.usage("--listen " + listen + " conflicts "
                    + "with the socket passed by socket activation (" + inherited.get().describe() + ")");
        }
        Optional<Path> unixSocket = Optional.ofNullable(listen).filter(l -> l.startsWith(UNIX_PREFIX))
                .map(l -> Path.of(l.substring(UNIX_PREFIX.length())).toAbsolutePath());
        InetSocketAddress address;
        try {
            address = ListenAddressArgument.parse(listen == null || unixSocket.isPresent() ? DEFAULT_LISTEN : listen);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Optional<InetSocketAddress> metricsListen;
        try {
            metricsListen = Optional.ofNullable(metrics).map(m -> MetricsListener.checkAddress(m, metricsRemote));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        FileServer server = new FileServer(new ServeOptions(path, exportName, description, address, unixSocket,
                inherited, readOnly, createSize, useDefault, transport, DRAIN_TIMEOUT, tls.settings(), metricsListen,
                access.access(tls, reload -> SignalTrap.install("HUP", reload))));
        // Signals are trapped once the file is open, before listening: a client may signal as soon as
        // the port accepts.
        server.start(() -> {
            for (String signal : new String[] {"TERM", "INT"}) {
                SignalTrap.install(signal, () -> {
                    log().info("received SIG{}, stopping", signal);
                    server.requestStop();
                });
            }
        });
        return server.awaitStopRequestAndStop() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
