package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code dmsetup load NAME [--table TABLE | TABLE_FILE]}: loads an inactive table; resume swaps it in. */
@Command(name = "load", description = "Load an inactive table into a device; 'resume' makes it live.")
public final class DmLoadCommand extends DmTableLoadCommand {
    @Override
    protected JsonNode send(ControlClient client, String table) throws ControlCallException {
        return client.call("PUT", DmTarget.device(name).literal("/table").toString(), Map.of("table", table));
    }
}
