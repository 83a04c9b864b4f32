package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Base of AIX's resync commands: {@code -f} resyncs every copy from one good copy instead of only the stale ones
 * (after an unclean stop with MWC off). The daemon resyncs in the background ({@link MirrorJobCommand}); the command
 * prints what was rewritten. Exit 0 on SUCCESS; NOTSYNCED exits 1, OFFLINE and INRESYNC 4, INVALID_ARGUMENT 2.
 */
abstract class ResyncCommand extends MirrorJobCommand {
    @Option(names = {"-f", "--force"}, description = "Resync every copy, not only the stale ones.")
    boolean force;

    /** Starts the resync of {@code what} in {@code vg}, follows it unless {@code -b}, and prints what it rewrote. */
    protected int resync(ControlClient client, String vg, Map<String, Object> what) throws ControlCallException {
        Map<String, Object> body = new LinkedHashMap<>(what);
        body.put("force", force);
        return runJob(client, Targets.path("/v1/vgs").segment(vg).literal("/resync").toString(), body, "resyncing",
                end -> "Resynced " + end.path("copies").asLong() + " copies of " + end.path("extents").asLong()
                        + " logical extents (LVs " + end.path("lvs") + ", PVs " + end.path("pvs") + ") ("
                        + end.path("outcome").asText() + ").");
    }
}
