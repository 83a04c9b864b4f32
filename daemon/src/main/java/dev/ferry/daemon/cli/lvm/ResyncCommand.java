package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Base of AIX's resync commands: {@code -f} resyncs every copy from one good copy instead of only the stale ones
 * (after an unclean stop with MWC off). Exit 0 on SUCCESS; NOTSYNCED exits 1, OFFLINE 4, INVALID_ARGUMENT 2.
 */
abstract class ResyncCommand extends LvmCommand {
    @Option(names = {"-f", "--force"}, description = "Resync every copy, not only the stale ones.")
    boolean force;

    /** Posts the resync of {@code what} in {@code vg} and prints what it rewrote. */
    protected int resync(ControlClient client, String vg, Map<String, Object> what) throws ControlCallException {
        Map<String, Object> body = new LinkedHashMap<>(what);
        body.put("force", force);
        JsonNode r = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/resync").toString(), body);
        report(r, "Resynced " + r.path("copies").asLong() + " copies of " + r.path("extents").asLong()
                + " logical extents (LVs " + r.path("lvs") + ", PVs " + r.path("pvs") + ") ("
                + r.path("outcome").asText() + ").");
        return ExitCodes.OK;
    }
}
