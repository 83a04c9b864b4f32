package dev.ferry.daemon.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.control.ControlJson;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every CLI command that is a thin client of the daemon: resolves the endpoint, runs
 * {@link #run(ControlClient)}, and turns failures into a precise message on stderr (plus the error
 * document on stdout with {@code --reportformat json}) and a stable exit code ({@link ExitCodes}).
 */
public abstract class ThinClientCommand implements Callable<Integer> {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** The shared client options. */
    @Mixin
    protected ControlClientOptions control;

    /** This command's picocli model (for its name and output streams). */
    @Spec
    protected CommandSpec spec;

    /** How long each call to the daemon may take: {@code --timeout}, else 60 seconds. */
    public final Duration callTimeout() {
        return control.timeout(DEFAULT_TIMEOUT);
    }

    /**
     * Does the command's calls and prints its output.
     *
     * @return the exit code, normally {@link ExitCodes#OK}
     */
    protected abstract int run(ControlClient client) throws ControlCallException;

    @Override
    public final Integer call() {
        ControlClient client;
        try {
            control.json();
            Map<String, String> env = System.getenv();
            Path dataDir = DefaultLocations.dataDirectory();
            ControlEndpoint endpoint = control.endpoint(env, dataDir);
            client = new ControlClient(endpoint, callTimeout(), control.token(endpoint, env, dataDir));
        } catch (IllegalArgumentException e) {
            err().println(spec.qualifiedName() + ": " + e.getMessage());
            err().flush();
            return ExitCodes.USAGE;
        }
        try {
            return run(client);
        } catch (ControlCallException e) {
            return fail(e);
        } finally {
            out().flush();
            err().flush();
        }
    }

    /** Reports {@code e} and returns its exit code. */
    protected int fail(ControlCallException e) {
        boolean fromDaemon = e.httpStatus() != 0;
        err().println(spec.qualifiedName() + ": " + e.getMessage() + (fromDaemon ? " (" + e.errorName() + ")" : ""));
        if (json()) {
            printJson(ControlJson.errorBody(e.errorName(), e.getMessage()));
        }
        return e.exitCode();
    }

    /** True for {@code --reportformat json}. */
    protected boolean json() {
        return control.json();
    }

    /** Prints {@code value} as indented JSON on stdout. */
    protected void printJson(Object value) {
        try {
            out().println(Pretty.MAPPER.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Standard output (picocli's, so tests can capture it). */
    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Standard error (picocli's). */
    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The indenting JSON mapper, made on first use (most commands print no JSON). */
    private static final class Pretty {
        static final ObjectMapper MAPPER = ControlJson.newMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }
}
