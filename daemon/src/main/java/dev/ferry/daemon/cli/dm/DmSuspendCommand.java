package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dmsetup suspend [--noflush] NAME}: queues new I/O and waits for I/O in flight. */
@Command(name = "suspend", description = "Suspend a device: new I/O waits, I/O in flight drains (and is flushed).")
public final class DmSuspendCommand extends DmDeviceCommand {
    @Option(names = "--noflush", description = "Do not flush the devices under the table.")
    boolean noflush;

    @Override
    protected JsonNode send(ControlClient client) throws ControlCallException {
        return client.call("POST", DmTarget.device(name).literal("/suspend").flag("noflush", noflush).toString(), null);
    }
}
