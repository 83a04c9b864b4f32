package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import picocli.CommandLine.Command;

/** {@code dmsetup info [NAME]}: name, state, tables present, open count, event number, targets. */
@Command(name = "info", description = "Show a device's state, tables, open count and event number.")
public final class DmInfoCommand extends DmShowCommand {
    @Override
    protected JsonNode fetch(ControlClient client, String device) throws ControlCallException {
        return client.call("GET", DmTarget.device(device).literal("/info").toString(), null);
    }

    @Override
    protected String text(JsonNode i) {
        boolean live = i.path("live_table").asBoolean();
        boolean inactive = i.path("inactive_table").asBoolean();
        String tables = live && inactive ? "LIVE & INACTIVE" : live ? "LIVE" : inactive ? "INACTIVE" : "None";
        return "Name:              " + i.path("name").asText() + "\n"
            + "State:             " + i.path("state").asText() + "\n"
            + "Tables present:    " + tables + "\n"
            + "Open count:        " + i.path("open_count").asLong() + "\n"
            + "Event number:      " + i.path("event_number").asLong() + "\n"
            + "Number of targets: " + i.path("target_count").asLong() + "\n";
    }

    @Override
    protected void print(String device, String text) {
        out().println(text);
    }
}
