package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dmsetup remove [-f] NAME}: removes a device; an open one only with {@code -f}. */
@Command(name = "remove", description = "Remove a device.")
public final class DmRemoveCommand extends DmDeviceCommand {
    @Option(names = {"-f", "--force"}, description = "Remove even if open; queued I/O fails.")
    boolean force;

    @Override
    protected JsonNode send(ControlClient client) throws ControlCallException {
        return client.call("DELETE", DmTarget.device(name).flag("force", force).toString(), null);
    }
}
