package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.ThinClientCommand;
import dev.ferry.daemon.command.ExitCodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Base of {@code dmsetup create} and {@code load}: a device name and a table from {@code --table TEXT},
 * else a table file, else standard input; silent on success, as dmsetup.
 */
abstract class DmTableLoadCommand extends ThinClientCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Device name.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TABLE_FILE",
        description = "File holding the table (default: standard input).")
    Path file;

    @Option(names = "--table", paramLabel = "TABLE", description = "The table text (lines separated by newlines).")
    String table;

    /** Sends {@code table} for device {@code name}. */
    protected abstract JsonNode send(ControlClient client, String table) throws ControlCallException;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        if (table != null && file != null) {
            err().println(spec.qualifiedName() + ": give the table either with --table or as TABLE_FILE, not both");
            return ExitCodes.USAGE;
        }
        String text;
        try {
            text = table != null ? table
                : file != null ? Files.readString(file) : new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            err().println(spec.qualifiedName() + ": cannot read the table from "
                + (file != null ? file : "standard input") + ": " + e);
            return ExitCodes.USAGE;
        }
        JsonNode answer = send(client, text);
        if (json()) {
            printJson(answer);
        }
        return ExitCodes.OK;
    }
}
