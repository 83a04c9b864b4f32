package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code migratepp VG SRCPV:PE DSTPV:PE}: AIX's move of one copy of a logical extent. Exits 0 on SUCCESS and on
 * RESYNC_FAILED (printed as a warning: the copy moved but is stale); refusals exit as their HTTP status maps
 * (INVALID_ARGUMENT 2; INRESYNC, INVLPRED, OFFLINE 4; MIGRATE_FAIL, LOSTPP 1). Like AIX's, it answers when the move
 * has ended, so it waits for the daemon past the daemon's 10-minute bound on the move's resync unless {@code --timeout}
 * says otherwise.
 */
@Command(name = "migratepp", description = "Move one copy of a logical extent to a free physical extent.")
public final class MigrateppCommand extends LvmCommand {
    private static final Duration RESYNC_BOUND_AND_MARGIN = Duration.ofMinutes(11);

    @Parameters(index = "0", paramLabel = "VG", description = "Volume group.")
    String vg;

    @Parameters(index = "1", paramLabel = "SRCPV:PE", description = "The copy to move.")
    String source;

    @Parameters(index = "2", paramLabel = "DSTPV:PE", description = "Where it goes (a free PE).")
    String destination;

    @Override
    protected Duration defaultTimeout() {
        return RESYNC_BOUND_AND_MARGIN;
    }

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        List<String> args = absolutePvArgs(List.of(source, destination));
        JsonNode r = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/migratepp").toString(),
                Map.of("source", args.get(0), "destination", args.get(1)));
        String moved = "LE " + r.path("le").asLong() + " of " + vg + "/" + r.path("lv").asText() + " moved from "
                + r.path("source").asText() + " to " + r.path("destination").asText();
        if (r.path("outcome").asText().equals("RESYNC_FAILED")) {
            err().println("migratepp: WARNING: " + moved + ", but the new copy could not be resynced and is stale "
                    + "(RESYNC_FAILED); run resynclp when its disk works");
        }
        report(r, moved + " (" + r.path("outcome").asText() + ").");
        return ExitCodes.OK;
    }
}
