package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import picocli.CommandLine.Command;

/** {@code dmsetup resume NAME}: swaps in a loaded table and releases queued I/O. */
@Command(name = "resume", description = "Resume a device, making a loaded table live.")
public final class DmResumeCommand extends DmDeviceCommand {
    @Override
    protected JsonNode send(ControlClient client) throws ControlCallException {
        return client.call("POST", DmTarget.device(name).literal("/resume").toString(), null);
    }
}
