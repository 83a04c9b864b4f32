package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code dmsetup create NAME [--table TABLE | TABLE_FILE]}: a new device with a live table. */
@Command(name = "create", description = "Create a device with a live table (from --table, TABLE_FILE or standard input).")
public final class DmCreateCommand extends DmTableLoadCommand {
    @Override
    protected JsonNode send(ControlClient client, String table) throws ControlCallException {
        return client.call("POST", "/v1/dm", Map.of("name", name, "table", table));
    }
}
