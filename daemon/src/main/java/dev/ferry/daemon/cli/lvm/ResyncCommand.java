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
 * (after an unclean stop with MWC off). The daemon resyncs in the background; without {@code -b} the command polls
 * {@code GET /v1/resyncs/{id}} (no request lasts long), reports progress like pvmove ({@link ProgressLines}), then
 * what was rewritten (with {@code --reportformat json}, one JSON line per report and one for the end). Exit 0 on SUCCESS; NOTSYNCED exits 1, OFFLINE and INRESYNC 4, INVALID_ARGUMENT 2.
 */
abstract class ResyncCommand extends LvmCommand {
    @Option(names = {"-f", "--force"}, description = "Resync every copy, not only the stale ones.")
    boolean force;

    @Option(names = {"-b", "--background"}, description = "Start and return at once.")
    boolean background;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECS", defaultValue = "15",
            description = "Progress interval in seconds when not on a terminal, where a bar is redrawn every second "
                + "(0: print only the end; default 15).")
    int interval;

    /** Starts the resync of {@code what} in {@code vg}, follows it unless {@code -b}, and prints what it rewrote. */
    protected int resync(ControlClient client, String vg, Map<String, Object> what) throws ControlCallException {
        Map<String, Object> body = new LinkedHashMap<>(what);
        body.put("force", force);
        JsonNode job = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/resync").toString(), body);
        String head = "resync" + job.path("id").asLong() + " " + job.path("target").asText();
        if (background) {
            report(job, head + ": resyncing in the background (" + job.path("location").asText() + ")");
            return ExitCodes.OK;
        }
        ProgressLines progress = new ProgressLines(out(), ProgressLines.tty(), json(), interval);
        JsonNode end = follow(client, job.path("location").asText(), head, progress);
        JsonNode error = end.path("error");
        if (error.isObject()) {
            return fail(ControlCallException.daemonError(error.path("error").asText(), error.path("status").asInt(),
                    error.path("message").asText()));
        }
        if (json()) {
            progress.jsonLine(end);
            return ExitCodes.OK;
        }
        message("Resynced " + end.path("copies").asLong() + " copies of " + end.path("extents").asLong()
                + " logical extents (LVs " + end.path("lvs") + ", PVs " + end.path("pvs") + ") ("
                + end.path("outcome").asText() + ").");
        return ExitCodes.OK;
    }

    /** Polls job {@code location} until it has ended, reporting its progress (see {@link ProgressLines}); its end. */
    private JsonNode follow(ControlClient client, String location, String head, ProgressLines progress)
            throws ControlCallException {
        long pause = ProgressLines.MIN_PAUSE_MILLIS;
        while (true) {
            ProgressLines.pause(pause);
            pause = ProgressLines.nextPause(pause, interval);
            JsonNode job = client.call("GET", location, null);
            if (!job.path("state").asText().equals("RUNNING")) {
                progress.end();
                return job;
            }
            progress.running(head, "Resynced", job, System.nanoTime());
        }
    }
}
