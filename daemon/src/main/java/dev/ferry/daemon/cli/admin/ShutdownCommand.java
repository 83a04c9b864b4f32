package dev.ferry.daemon.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.ThinClientCommand;
import dev.ferry.daemon.command.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry shutdown}: stops the daemon gracefully and, unless {@code --no-wait}, waits until every
 * service has stopped; exits 0 when the stop was clean, 1 when a service failed or overran the deadline.
 */
@Command(name = "shutdown", description = "Stop the ferry daemon gracefully (stop accepting, drain, flush, commit).")
public final class ShutdownCommand extends ThinClientCommand {
    @Option(names = "--no-wait", description = "Return once the daemon has begun stopping.")
    boolean noWait;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        JsonNode answer = client.call("POST", noWait ? "/v1/shutdown?wait=false" : "/v1/shutdown", null);
        boolean clean = noWait || answer.path("clean").asBoolean(false);
        if (json()) {
            printJson(answer);
        } else if (noWait) {
            out().println("ferry daemon at " + client.endpoint().describe() + " is stopping");
        } else {
            out().println("ferry daemon at " + client.endpoint().describe() + " stopped" + (clean ? "" : " UNCLEANLY"));
            for (JsonNode s : answer.path("services")) {
                if (!s.path("clean").asBoolean(false)) {
                    out().println("  " + s.path("service").asText() + ": " + s.path("detail").asText());
                }
            }
        }
        return clean ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
