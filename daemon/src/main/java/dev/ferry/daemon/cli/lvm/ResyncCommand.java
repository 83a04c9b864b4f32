package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/**
 * Base of AIX's resync commands: {@code -f} resyncs every copy from one good copy instead of only the stale ones
 * (after an unclean stop with MWC off). The daemon resyncs in the background; without {@code -b} the command polls
 * {@code GET /v1/resyncs/{id}} (no request lasts long), prints a progress line every {@code -i} seconds like pvmove,
 * then what was rewritten. Exit 0 on SUCCESS; NOTSYNCED exits 1, OFFLINE and INRESYNC 4, INVALID_ARGUMENT 2.
 */
abstract class ResyncCommand extends LvmCommand {
    /** The longest pause between polls (they start at {@link ProgressLines#MIN_PAUSE_MILLIS} and double). */
    private static final long MAX_POLL_MILLIS = 1000;

    @Option(names = {"-f", "--force"}, description = "Resync every copy, not only the stale ones.")
    boolean force;

    @Option(names = {"-b", "--background"}, description = "Start and return at once.")
    boolean background;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECS", defaultValue = "15",
            description = "Progress interval in seconds (0: print only the end; default 15).")
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
        JsonNode end = follow(client, job.path("location").asText(), head);
        JsonNode error = end.path("error");
        if (error.isObject()) {
            return fail(ControlCallException.daemonError(error.path("error").asText(), error.path("status").asInt(),
                    error.path("message").asText()));
        }
        report(end, "Resynced " + end.path("copies").asLong() + " copies of " + end.path("extents").asLong()
                + " logical extents (LVs " + end.path("lvs") + ", PVs " + end.path("pvs") + ") ("
                + end.path("outcome").asText() + ").");
        return ExitCodes.OK;
    }

    /** Polls job {@code location} until it has ended, printing a progress line every interval; its last state. */
    private JsonNode follow(ControlClient client, String location, String head) throws ControlCallException {
        boolean tty = ProgressLines.tty();
        long intervalNanos = TimeUnit.SECONDS.toNanos(interval);
        long printed = System.nanoTime();
        boolean any = false;
        long pause = ProgressLines.MIN_PAUSE_MILLIS;
        while (true) {
            ProgressLines.pause(pause);
            pause = Math.max(ProgressLines.MIN_PAUSE_MILLIS, Math.min(2 * pause, Math.min(MAX_POLL_MILLIS,
                    interval * 1000L)));
            JsonNode job = client.call("GET", location, null);
            if (!job.path("state").asText().equals("RUNNING")) {
                if (any && tty) {
                    out().print(ProgressLines.CLEAR);
                }
                return job;
            }
            if (interval > 0 && !json() && System.nanoTime() - printed >= intervalNanos) {
                ProgressLines.print(out(), ProgressLines.line(head, "Resynced", job), tty);
                printed = System.nanoTime();
                any = true;
            }
        }
    }
}
