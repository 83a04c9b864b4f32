package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.ThinClientCommand;
import dev.ferry.daemon.command.ExitCodes;
import picocli.CommandLine.Parameters;

/** Base of suspend, resume and remove: one call about one device; silent on success, as dmsetup. */
abstract class DmDeviceCommand extends ThinClientCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Device name.")
    String name;

    /** Makes the call. */
    protected abstract JsonNode send(ControlClient client) throws ControlCallException;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        JsonNode answer = send(client);
        if (json()) {
            printJson(answer);
        }
        return ExitCodes.OK;
    }
}
