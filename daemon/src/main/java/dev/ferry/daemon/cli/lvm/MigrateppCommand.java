package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code migratepp [-b] [-i SECS] VG SRCPV:PE DSTPV:PE}: AIX's move of one copy of a logical extent, run by the
 * daemon as a background job and followed like a resync ({@link MirrorJobCommand}). Exits 0 on SUCCESS and on
 * RESYNC_FAILED (printed as a warning: the copy moved but is stale); refusals and failures exit as their HTTP status
 * maps (INVALID_ARGUMENT 2; INRESYNC, INVLPRED, OFFLINE 4; MIGRATE_FAIL, LOSTPP 1).
 */
@Command(name = "migratepp", description = "Move one copy of a logical extent to a free physical extent.")
public final class MigrateppCommand extends MirrorJobCommand {
    @Parameters(index = "0", paramLabel = "VG", description = "Volume group.")
    String vg;

    @Parameters(index = "1", paramLabel = "SRCPV:PE", description = "The copy to move.")
    String source;

    @Parameters(index = "2", paramLabel = "DSTPV:PE", description = "Where it goes (a free PE).")
    String destination;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        List<String> args = absolutePvArgs(List.of(source, destination));
        return runJob(client, Targets.path("/v1/vgs").segment(vg).literal("/migratepp").toString(),
                Map.of("source", args.get(0), "destination", args.get(1)), "moving", this::moved);
    }

    /** The message about the move's end; RESYNC_FAILED is also warned about on stderr. */
    private String moved(JsonNode end) {
        String moved = "LE " + end.path("le").asLong() + " of " + vg + "/" + end.path("lv").asText() + " moved from "
                + end.path("source").asText() + " to " + end.path("destination").asText();
        if (end.path("outcome").asText().equals("RESYNC_FAILED")) {
            err().println("migratepp: WARNING: " + moved + ", but the new copy could not be resynced and is stale "
                    + "(RESYNC_FAILED); run resynclp when its disk works");
        }
        return moved + " (" + end.path("outcome").asText() + ").";
    }
}
