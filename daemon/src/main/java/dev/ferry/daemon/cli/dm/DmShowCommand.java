package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.ThinClientCommand;
import dev.ferry.daemon.command.ExitCodes;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Parameters;

/**
 * Base of {@code dmsetup table|status|info [NAME]}: one device, or every device with each line prefixed
 * by {@code NAME: } as dmsetup does.
 */
abstract class DmShowCommand extends ThinClientCommand {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Device name (default: every device).")
    String name;

    /** The device's answer. */
    protected abstract JsonNode fetch(ControlClient client, String device) throws ControlCallException;

    /** The text printed for one device's answer. */
    protected abstract String text(JsonNode answer);

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        List<String> names = new ArrayList<>();
        if (name != null) {
            names.add(name);
        } else {
            client.call("GET", "/v1/dm", null).path("devices").forEach(d -> names.add(d.path("name").asText()));
        }
        for (String n : names) {
            JsonNode answer = fetch(client, n);
            if (json()) {
                printJson(answer);
            } else if (name != null) {
                out().print(text(answer));
            } else {
                print(n, text(answer));
            }
        }
        if (names.isEmpty() && !json()) {
            out().println("No devices found");
        }
        return ExitCodes.OK;
    }

    /** Prints {@code text} with every line prefixed by the device name. */
    protected void print(String device, String text) {
        if (text.isEmpty()) {
            out().println(device + ": ");
        }
        text.lines().forEach(l -> out().println(device + ": " + l));
    }
}
