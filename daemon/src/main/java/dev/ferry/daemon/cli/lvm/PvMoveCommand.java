package dev.ferry.daemon.cli.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.command.ExitCodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pvmove [-n LV] [--atomic] [--verify] [-b] [-i SECS] [--alloc POLICY] [--rate SIZE/s] SRC[:PE-ranges] [DST...]},
 * {@code pvmove --abort [SRC]}, a bare {@code pvmove} (report and continue the moves in progress) and
 * {@code pvmove --rate SIZE/s SRC} on a running move. Without {@code -b} it polls {@code GET /v1/pvmoves} and
 * reports progress until the moves end ({@link ProgressLines}: a bar on a terminal, a line every interval otherwise,
 * JSON lines with {@code --reportformat json}).
 */
@Command(name = "pvmove", description = "Move extents from one physical volume to others while LVs stay in use.")
public final class PvMoveCommand extends LvmCommand {
    private static final String MOVES = "/v1/pvmoves";

    @Option(names = {"-n", "--name"}, paramLabel = "LV", description = "Move only extents of this LV.")
    String lv;

    @Option(names = "--atomic", description = "Move every LV together, or none on abort.")
    boolean atomic;

    @Option(names = "--verify", description = "Before each segment switches to the destination, compare it with the "
            + "source byte for byte; a difference fails the move, naming where, and the data stays on the source.")
    boolean verify;

    @Mixin
    JobFollowOptions jobOptions;

    @Option(names = "--alloc", paramLabel = "POLICY", description = "contiguous, cling, normal, anywhere or inherit.")
    String alloc;

    @Option(names = "--rate", paramLabel = "SIZE/s", description = "Copy rate limit (e.g. 50M/s; 0 = unlimited).")
    String rate;

    @Option(names = "--abort", description = "Abort the move off SRC, or every move.")
    boolean abort;

    @Parameters(paramLabel = "PV[:PE-range]", arity = "0..*", description = "Source, then destinations.")
    List<String> pvs = new ArrayList<>();

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        List<String> args = absolutePvArgs(pvs);
        if (abort) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("source", args.isEmpty() ? null : pvOnly(args.get(0)));
            for (JsonNode m : client.call("POST", MOVES + "/abort", body).path("pvmoves")) {
                out().println(m.path("name").asText() + ": " + m.path("source").asText() + ": "
                        + m.path("state").asText() + " after copying " + ProgressLines.copied(m));
            }
            return ExitCodes.OK;
        }
        if (args.isEmpty()) {
            Set<Long> names = new LinkedHashSet<>();
            for (JsonNode m : client.call("POST", MOVES, Map.of()).path("pvmoves")) {
                if (!isFinal(m)) {
                    names.add(m.path("id").asLong());
                }
            }
            if (names.isEmpty()) {
                out().println("No pvmove in progress.");
                return ExitCodes.OK;
            }
            return jobOptions.background ? ExitCodes.OK : follow(client, names);
        }
        if (rate != null && args.size() == 1 && running(client, args.get(0))) {
            JsonNode m = client.call("POST", MOVES + "/rate", Map.of("source", pvOnly(args.get(0)), "rate", rate));
            out().println(m.path("name").asText() + ": rate limit " + m.path("rate_limit").asLong() + " bytes/s");
            return ExitCodes.OK;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", args.get(0));
        body.put("destinations", args.subList(1, args.size()));
        body.put("lv", lv);
        body.put("atomic", atomic);
        body.put("verify", verify);
        body.put("alloc", alloc);
        body.put("rate", rate);
        JsonNode m = client.call("POST", MOVES, body);
        if (jobOptions.background) {
            out().println(m.path("name").asText() + ": moving " + m.path("source").asText() + " in the background");
            return ExitCodes.OK;
        }
        return follow(client, Set.of(m.path("id").asLong()));
    }

    private boolean running(ControlClient client, String source) throws ControlCallException {
        String src = pvOnly(source);
        for (JsonNode m : client.call("GET", MOVES, null).path("pvmoves")) {
            if (!isFinal(m) && m.path("source").asText().equals(src)) {
                return true;
            }
        }
        return false;
    }

    /** Polls until every move in {@code ids} has ended; reports progress; the exit code of the worst end. */
    private int follow(ControlClient client, Set<Long> ids) throws ControlCallException {
        ProgressLines progress = jobOptions.progressLines(out(), json());
        int code = ExitCodes.OK;
        Set<Long> open = new LinkedHashSet<>(ids);
        long pause = ProgressLines.MIN_PAUSE_MILLIS;
        while (!open.isEmpty()) {
            ProgressLines.pause(pause);
            pause = jobOptions.nextPause(pause);
            for (JsonNode m : client.call("GET", MOVES, null).path("pvmoves")) {
                long id = m.path("id").asLong();
                if (!open.contains(id)) {
                    continue;
                }
                if (isFinal(m) || m.path("state").asText().equals("HELD")) {
                    open.remove(id);
                    progress.end();
                    code = Math.max(code, finish(m, progress));
                } else {
                    progress.running(m.path("name").asText() + " " + m.path("source").asText(), "Moved", m,
                            System.nanoTime());
                }
            }
        }
        return code;
    }

    /**
     * Reports a move that ended or is held (its whole document as a JSON line with --reportformat json), one that
     * ended short or is held with what it copied; its exit code.
     */
    private int finish(JsonNode m, ProgressLines progress) {
        String head = m.path("name").asText() + " " + m.path("source").asText() + ": ";
        String state = m.path("state").asText();
        if (json()) {
            progress.jsonLine(m);
        }
        switch (state) {
            case "COMPLETED" -> {
                if (!json()) {
                    out().println(head + "Moved: 100.0%");
                }
                return ExitCodes.OK;
            }
            case "ABORTED" -> {
                if (!json()) {
                    out().println(head + "aborted after copying " + ProgressLines.copied(m));
                }
                return ExitCodes.OK;
            }
            default -> {
                JsonNode e = m.path("error");
                if (!json()) {
                    out().println(head + (state.equals("HELD") ? "held" : "failed") + " after copying "
                            + ProgressLines.copied(m));
                }
                err().println(spec.qualifiedName() + ": " + e.path("error").asText("MIGRATE_FAIL") + ": "
                        + e.path("message").asText());
                return ExitCodes.FAILED;
            }
        }
    }

    /** {@code PV[:ranges]} without the ranges (a remote PV's URI is left to the daemon, which parses it). */
    private static String pvOnly(String arg) {
        if (arg.contains("://")) {
            return arg;
        }
        return arg.contains(":") ? arg.substring(0, arg.indexOf(':')) : arg;
    }

    private static boolean isFinal(JsonNode m) {
        String s = m.path("state").asText();
        return s.equals("COMPLETED") || s.equals("ABORTED") || s.equals("FAILED");
    }
}
