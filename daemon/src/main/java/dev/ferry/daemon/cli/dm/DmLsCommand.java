package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.ThinClientCommand;
import dev.ferry.daemon.command.ExitCodes;
import picocli.CommandLine.Command;

/** {@code dmsetup ls}: one line per mapped device, its name and state. */
@Command(name = "ls", description = "List mapped devices.")
public final class DmLsCommand extends ThinClientCommand {
    @Override
    protected int run(ControlClient client) throws ControlCallException {
        JsonNode answer = client.call("GET", "/v1/dm", null);
        if (json()) {
            printJson(answer);
        } else if (answer.path("devices").isEmpty()) {
            out().println("No devices found");
        } else {
            for (JsonNode d : answer.path("devices")) {
                out().println(d.path("name").asText() + "\t(" + d.path("state").asText() + ")");
            }
        }
        return ExitCodes.OK;
    }
}
