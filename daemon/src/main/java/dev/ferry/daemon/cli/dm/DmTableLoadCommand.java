package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.ExitCodes;
import dev.ferry.daemon.cli.client.ThinClientCommand;
import java.io.InputStream;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Base of {@code dmsetup create} and {@code load}: a device name and a table; silent on success, as dmsetup. */
abstract class DmTableLoadCommand extends ThinClientCommand {
    /** Standard input, replaceable by tests. */
    static InputStream stdin = System.in;

    @Parameters(index = "0", paramLabel = "NAME", description = "Device name.")
    String name;

    @Mixin
    TableSource source;

    /** Sends {@code table} for device {@code name}. */
    protected abstract JsonNode send(ControlClient client, String table) throws ControlCallException;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        String table;
        try {
            table = source.read(stdin);
        } catch (IllegalArgumentException e) {
            err().println(spec.qualifiedName() + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        JsonNode answer = send(client, table);
        if (json()) {
            printJson(answer);
        }
        return ExitCodes.OK;
    }
}
