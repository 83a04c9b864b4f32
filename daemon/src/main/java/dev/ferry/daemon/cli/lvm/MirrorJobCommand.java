package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.command.ExitCodes;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Mixin;

/**
 * Base of the commands whose work the daemon does as a mirror job (migratepp and the resync verbs): the command posts
 * the job and, without {@code -b}, polls {@code GET /v1/resyncs/{id}} (no request lasts long), reports progress like
 * pvmove ({@link ProgressLines}), then its end (with {@code --reportformat json}, one JSON line per report and one for
 * the end). A job that ended NOTSYNCED or FAILED exits as its error's HTTP status maps.
 */
abstract class MirrorJobCommand extends LvmCommand {
    @Mixin
    JobFollowOptions jobOptions;

    /**
     * Posts {@code body} to {@code path} and follows the job it starts unless {@code -b} ({@code backgroundVerb}
     * says what it does then, e.g. {@code resyncing}), printing the message {@code ended} makes of its end once it
     * succeeded (the end as a JSON line instead with {@code --reportformat json}).
     */
    protected int runJob(ControlClient client, String path, Map<String, Object> body, String backgroundVerb,
            Function<JsonNode, String> ended) throws ControlCallException {
        JsonNode job = client.call("POST", path, body);
        String head = (job.path("verb").asText().equals("migratepp") ? "migratepp" : "resync")
                + job.path("id").asLong() + " " + job.path("target").asText();
        if (jobOptions.background) {
            report(job, head + ": " + backgroundVerb + " in the background (" + job.path("location").asText() + ")");
            return ExitCodes.OK;
        }
        ProgressLines progress = jobOptions.progressLines(out(), json());
        JsonNode end = follow(client, job.path("location").asText(), head, progress);
        JsonNode error = end.path("error");
        if (error.isObject()) {
            return fail(ControlCallException.daemonError(error.path("error").asText(), error.path("status").asInt(),
                    error.path("message").asText()));
        }
        String message = ended.apply(end);
        if (json()) {
            progress.jsonLine(end);
        } else {
            message(message);
        }
        return ExitCodes.OK;
    }

    /** Polls job {@code location} until it has ended, reporting its progress (see {@link ProgressLines}); its end. */
    private JsonNode follow(ControlClient client, String location, String head, ProgressLines progress)
            throws ControlCallException {
        long pause = ProgressLines.MIN_PAUSE_MILLIS;
        while (true) {
            ProgressLines.pause(pause);
            pause = jobOptions.nextPause(pause);
            JsonNode job = client.call("GET", location, null);
            if (!job.path("state").asText().equals("RUNNING")) {
                progress.end();
                return job;
            }
            progress.running(head, "Resynced", job, System.nanoTime());
        }
    }
}
