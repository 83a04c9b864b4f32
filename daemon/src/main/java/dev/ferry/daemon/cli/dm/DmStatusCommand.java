package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import picocli.CommandLine.Command;

/** {@code dmsetup status [NAME]}: the targets' status lines. */
@Command(name = "status", description = "Show the status of the live table's targets.")
public final class DmStatusCommand extends DmShowCommand {
    @Override
    protected JsonNode fetch(ControlClient client, String device) throws ControlCallException {
        return client.call("GET", DmTarget.device(device).literal("/status").toString(), null);
    }

    @Override
    protected String text(JsonNode answer) {
        return answer.path("status").asText();
    }
}
