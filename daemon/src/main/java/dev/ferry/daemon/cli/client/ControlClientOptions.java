package dev.ferry.daemon.cli.client;

import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.command.Durations;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.control.ControlToken;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every thin-client command shares: where the daemon is ({@code --control}, else
 * {@code $FERRY_CONTROL}, else {@code control.sock} in the default data directory), the token a TCP endpoint needs
 * ({@code $FERRY_CONTROL_TOKEN}, else {@code control.token} in the default data directory), the report format,
 * and the call timeout.
 */
public final class ControlClientOptions {
    /** Environment variable naming the control endpoint. */
    public static final String ENV = "FERRY_CONTROL";

    @Option(names = "--control", paramLabel = "ENDPOINT",
        description = "Daemon control endpoint: a Unix socket path or a loopback HOST:PORT "
            + "(default: $" + ENV + ", else control.sock in the default data directory).")
    String control;

    @Option(names = "--reportformat", paramLabel = "FORMAT", defaultValue = "basic",
        description = "Output format: basic (human) or json (the daemon's JSON). Default: ${DEFAULT-VALUE}.")
    String reportFormat;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class,
        description = "Give up on the daemon after this long (e.g. 30s, 2m). Default: 60s; migratepp 11m, past the "
            + "daemon's 10-minute bound on its resync.")
    Duration timeout;

    /** True for {@code --reportformat json}; throws {@link IllegalArgumentException} for an unknown format. */
    public boolean json() {
        switch (reportFormat) {
            case "json":
                return true;
            case "basic":
                return false;
            default:
                throw new IllegalArgumentException("--reportformat must be basic or json, got '" + reportFormat + "'");
        }
    }

    /** The call timeout: {@code --timeout}, else {@code commandDefault}. */
    public Duration timeout(Duration commandDefault) {
        return timeout != null ? timeout : commandDefault;
    }

    /** The endpoint: {@code --control}, else {@code env[FERRY_CONTROL]}, else {@code defaultDataDir/control.sock}. */
    public ControlEndpoint endpoint(Map<String, String> env, Path defaultDataDir) {
        if (control != null) {
            return parse("--control", control);
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return parse("$" + ENV, fromEnv);
        }
        return new ControlEndpoint.UnixSocket(defaultDataDir.resolve(DefaultLocations.CONTROL_SOCKET_NAME));
    }

    /**
     * The token for a TCP endpoint: {@code env[FERRY_CONTROL_TOKEN]}, else the token file in
     * {@code defaultDataDir} if this user may read it; none for a Unix socket.
     */
    public ControlToken token(ControlEndpoint endpoint, Map<String, String> env, Path defaultDataDir) {
        if (!(endpoint instanceof ControlEndpoint.LoopbackTcp)) {
            return null;
        }
        String fromEnv = env.get(ControlToken.ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return ControlToken.of(fromEnv);
        }
        return ControlToken.read(defaultDataDir.resolve(ControlToken.FILE_NAME)).orElse(null);
    }

    private static ControlEndpoint parse(String source, String text) {
        try {
            return ControlEndpoint.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }
}
