package dev.ferry.daemon.process;

import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.command.Durations;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.mapper.nativeio.NativeIo;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a {@link DaemonConfig}: command line over config file over defaults.
 *
 * <p>The config file is a {@code key = value} properties file ({@code #} comments); relative paths in it
 * are relative to the file's directory. Keys:
 * <ul>
 *   <li>{@code data-dir} — data directory (default: {@link DefaultLocations#dataDirectory})</li>
 *   <li>{@code listen} — NBD HOST:PORT (default {@code 127.0.0.1:10809}) or {@code unix:PATH}</li>
 *   <li>{@code control} — comma-separated control endpoints: at most one Unix socket path (default
 *       {@code <data-dir>/control.sock}) and at most one loopback HOST:PORT</li>
 *   <li>{@code log-level} — TRACE, DEBUG, INFO, WARN or ERROR</li>
 *   <li>{@code io-threads} — NBD I/O threads (default: number of CPUs)</li>
 *   <li>{@code shutdown-timeout} — bound on a graceful stop, e.g. {@code 30s}, {@code 500ms}, {@code 2m} (default 30s)</li>
 *   <li>{@code control-group} — a group whose members may use the control socket (besides root and the daemon's
 *       user)</li>
 *   <li>{@code allow-path} — comma-separated directories PV and table paths may lie under, besides the data
 *       directory and block devices under /dev</li>
 * </ul>
 * The command line's {@code --control-group} replaces the file's; its {@code --allow-path} directories add to the
 * file's.
 * Unknown keys are errors.
 */
public final class DaemonConfigLoader {
    /** The keys a config file may hold. */
    public static final Set<String> KEYS = Set.of("data-dir", "listen", "control", "log-level", "io-threads",
        "shutdown-timeout", "control-group", "allow-path");
    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
    private static final String UNIX_PREFIX = "unix:";
    private static final Pattern HOST_PORT = Pattern.compile("^(\\[[^\\]]+\\]|[^:\\[\\]]+):(\\d{1,5})$");

    /**
     * The values given on the command line; null means "not given".
     *
     * @param configFile config file, if any
     * @param dataDir    {@code --data-dir}
     * @param listen     {@code --listen}
     * @param control    {@code --control} values (empty: not given)
     * @param controlGroup {@code --control-group}
     * @param allowPaths {@code --allow-path} values (empty: not given)
     */
    public record CommandLine(Path configFile, Path dataDir, String listen, List<String> control, String controlGroup,
                              List<Path> allowPaths) {
        /** Normalizes null lists to empty. */
        public CommandLine {
            control = control == null ? List.of() : List.copyOf(control);
            allowPaths = allowPaths == null ? List.of() : List.copyOf(allowPaths);
        }

        /** A command line without access options. */
        public CommandLine(Path configFile, Path dataDir, String listen, List<String> control) {
            this(configFile, dataDir, listen, control, null, null);
        }
    }

    private DaemonConfigLoader() {
    }

    /** Resolves the configuration; {@code defaultDataDir} is used when neither source names one. */
    public static DaemonConfig load(CommandLine cli, Path defaultDataDir) throws DaemonConfigException {
        Properties file = new Properties();
        Path base = Path.of("").toAbsolutePath();
        String source = "the command line";
        if (cli.configFile() != null) {
            file = read(cli.configFile());
            base = cli.configFile().toAbsolutePath().getParent();
            source = "config file " + cli.configFile();
        }
        Path dataDir = cli.dataDir() != null ? cli.dataDir().toAbsolutePath().normalize()
            : file.containsKey("data-dir") ? base.resolve(file.getProperty("data-dir")).normalize()
            : defaultDataDir;
        DaemonConfig d = DaemonConfig.defaults(dataDir);

        InetSocketAddress listen = d.nbdListen();
        Optional<Path> nbdSocket = Optional.empty();
        String listenText = cli.listen() != null ? cli.listen() : file.getProperty("listen");
        Path listenBase = cli.listen() != null ? Path.of("").toAbsolutePath() : base;
        if (listenText != null && listenText.startsWith(UNIX_PREFIX)) {
            nbdSocket = Optional.of(unixSocket(cli.listen() != null ? "--listen" : "'listen' in " + source,
                listenText, listenBase));
        } else if (listenText != null) {
            listen = hostPort(cli.listen() != null ? "--listen" : "'listen' in " + source, listenText);
        }

        ControlEndpoint.UnixSocket socket = d.controlSocket();
        Optional<ControlEndpoint.LoopbackTcp> tcp = Optional.empty();
        List<String> control = new ArrayList<>(cli.control());
        String controlSource = "--control";
        Path controlBase = Path.of("").toAbsolutePath();
        if (control.isEmpty() && file.containsKey("control")) {
            controlSource = "'control' in " + source;
            controlBase = base;
            for (String s : file.getProperty("control").split(",")) {
                control.add(s.trim());
            }
        }
        boolean sawUnix = false;
        for (String text : control) {
            ControlEndpoint e = endpoint(controlSource, text, controlBase);
            if (e instanceof ControlEndpoint.UnixSocket u) {
                if (sawUnix) {
                    throw new DaemonConfigException(controlSource + ": more than one Unix socket path given");
                }
                sawUnix = true;
                socket = u;
            } else {
                if (tcp.isPresent()) {
                    throw new DaemonConfigException(controlSource + ": more than one TCP endpoint given");
                }
                tcp = Optional.of((ControlEndpoint.LoopbackTcp) e);
            }
        }

        Optional<String> logLevel = Optional.empty();
        if (file.containsKey("log-level")) {
            String level = file.getProperty("log-level").trim().toUpperCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(level)) {
                throw new DaemonConfigException("'log-level' in " + source + " must be one of " + new TreeSet<>(LOG_LEVELS)
                    + ", got '" + file.getProperty("log-level") + "'");
            }
            logLevel = Optional.of(level);
        }
        int ioThreads = d.ioThreads();
        if (file.containsKey("io-threads")) {
            ioThreads = positiveInt("'io-threads' in " + source, file.getProperty("io-threads"));
        }
        Duration timeout = d.shutdownTimeout();
        if (file.containsKey("shutdown-timeout")) {
            timeout = duration("'shutdown-timeout' in " + source, file.getProperty("shutdown-timeout"));
        }
        DaemonConfig config = new DaemonConfig(dataDir, listen, socket, tcp, logLevel, ioThreads, timeout)
            .withPolicy(policy(cli, file, base, source));
        return nbdSocket.map(config::withNbdSocket).orElse(config);
    }

    private static AccessSettings policy(CommandLine cli, Properties file, Path base, String source)
            throws DaemonConfigException {
        Optional<AccessSettings.ControlGroup> group = Optional.empty();
        String groupSource = "--control-group";
        String groupName = cli.controlGroup();
        if (groupName == null && file.containsKey("control-group")) {
            groupSource = "'control-group' in " + source;
            groupName = file.getProperty("control-group").trim();
        }
        if (groupName != null) {
            group = Optional.of(new AccessSettings.ControlGroup(groupName, groupId(groupSource, groupName)));
        }
        List<Path> allow = new ArrayList<>();
        if (file.containsKey("allow-path")) {
            for (String s : file.getProperty("allow-path").split(",")) {
                if (!s.isBlank()) {
                    allow.add(base.resolve(s.trim()).normalize());
                }
            }
        }
        cli.allowPaths().forEach(p -> allow.add(p.toAbsolutePath().normalize()));
        return new AccessSettings(group, allow);
    }

    private static int groupId(String source, String name) throws DaemonConfigException {
        try {
            OptionalInt gid = NativeIo.get().groupId(name);
            if (gid.isEmpty()) {
                throw new DaemonConfigException(source + ": no group named '" + name + "'");
            }
            return gid.getAsInt();
        } catch (IOException e) {
            throw new DaemonConfigException(source + ": cannot look up group '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The path of an NBD {@code unix:PATH} listen address, relative paths resolved against {@code base}. */
    private static Path unixSocket(String source, String text, Path base) throws DaemonConfigException {
        String path = text.substring(UNIX_PREFIX.length()).trim();
        if (path.isEmpty()) {
            throw new DaemonConfigException(source + ": expected unix:PATH, got '" + text + "'");
        }
        return base.resolve(path).normalize();
    }

    private static Properties read(Path path) throws DaemonConfigException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new DaemonConfigException("cannot read config file " + path + ": " + e.getMessage(), e);
        }
        for (String key : p.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new DaemonConfigException("unknown key '" + key + "' in config file " + path
                    + " (known keys: " + String.join(", ", new TreeSet<>(KEYS)) + ")");
            }
        }
        return p;
    }

    private static ControlEndpoint endpoint(String source, String text, Path base) throws DaemonConfigException {
        try {
            ControlEndpoint e = ControlEndpoint.parse(text);
            if (e instanceof ControlEndpoint.UnixSocket && !Path.of(text.replaceFirst("^unix:", "")).isAbsolute()) {
                return new ControlEndpoint.UnixSocket(base.resolve(text.replaceFirst("^unix:", "")).normalize());
            }
            return e;
        } catch (IllegalArgumentException ex) {
            throw new DaemonConfigException(source + ": " + ex.getMessage(), ex);
        }
    }

    /** Parses an NBD listen address {@code HOST:PORT} (any address; the NBD server may serve other hosts). */
    static InetSocketAddress hostPort(String source, String text) throws DaemonConfigException {
        Matcher m = HOST_PORT.matcher(text.trim());
        int port = m.matches() ? Integer.parseInt(m.group(2)) : -1;
        if (port < 0 || port > 65535) {
            throw new DaemonConfigException(source + ": expected HOST:PORT with PORT 0..65535, got '" + text + "'");
        }
        String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new DaemonConfigException(source + ": cannot resolve host '" + host + "'");
        }
        return address;
    }

    private static int positiveInt(String source, String text) throws DaemonConfigException {
        try {
            int v = Integer.parseInt(text.trim());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new DaemonConfigException(source + ": expected a positive integer, got '" + text + "'");
    }

    private static Duration duration(String source, String text) throws DaemonConfigException {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new DaemonConfigException(source + ": " + e.getMessage(), e);
        }
    }
}
