package dev.ferry.daemon.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.ThinClientCommand;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.process.BuildInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code ferry version}: prints the client's version and the running daemon's. */
@Command(name = "version", description = "Show the versions of this client and of the running daemon.")
public final class VersionCommand extends ThinClientCommand {
    @Override
    protected int run(ControlClient client) throws ControlCallException {
        Map<String, Object> clientInfo = new LinkedHashMap<>();
        clientInfo.put("name", "ferry");
        clientInfo.put("version", BuildInfo.version());
        clientInfo.put("api", BuildInfo.API_VERSION);
        clientInfo.put("java", System.getProperty("java.version"));
        JsonNode daemon;
        try {
            daemon = client.call("GET", "/v1/version", null);
        } catch (ControlCallException e) {
            if (!json()) {
                printClient(clientInfo);
            }
            throw e;
        }
        if (json()) {
            Map<String, Object> both = new LinkedHashMap<>();
            both.put("client", clientInfo);
            both.put("daemon", daemon);
            printJson(both);
        } else {
            printClient(clientInfo);
            out().println("ferry daemon " + daemon.path("version").asText() + " (api " + daemon.path("api").asText()
                + ", java " + daemon.path("java").asText() + ", pid " + daemon.path("pid").asText() + ") at "
                + client.endpoint().describe());
        }
        return ExitCodes.OK;
    }

    private void printClient(Map<String, Object> clientInfo) {
        out().println("ferry client " + clientInfo.get("version") + " (api " + clientInfo.get("api")
            + ", java " + clientInfo.get("java") + ")");
    }
}
