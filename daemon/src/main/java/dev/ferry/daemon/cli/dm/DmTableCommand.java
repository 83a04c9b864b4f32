package dev.ferry.daemon.cli.dm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dmsetup table [--inactive] [NAME]}: the live (or inactive) table text. */
@Command(name = "table", description = "Show the live table (or with --inactive the loaded one).")
public final class DmTableCommand extends DmShowCommand {
    @Option(names = "--inactive", description = "Show the inactive table loaded with 'load'.")
    boolean inactive;

    @Override
    protected JsonNode fetch(ControlClient client, String device) throws ControlCallException {
        return client.call("GET", DmTarget.device(device).literal("/table").flag("inactive", inactive).toString(), null);
    }

    @Override
    protected String text(JsonNode answer) {
        return answer.path("table").asText();
    }
}
