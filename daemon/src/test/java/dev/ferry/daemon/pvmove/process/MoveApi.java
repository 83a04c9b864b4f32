package dev.ferry.daemon.pvmove.process;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The pvmove control API ({@code daemon/docs/pvmove.md}) and the placement reports of a {@link FerryDaemon}. */
final class MoveApi {

    private static final Set<String> ACTIVE = Set.of("PLANNED", "RUNNING", "COMPLETING", "ABORTING");

    private final FerryDaemon daemon;

    MoveApi(FerryDaemon daemon) {
        this.daemon = daemon;
    }

    /** Starts a move of {@code source} to {@code destinations} ({@code rate} null = unlimited); returns the move. */
    JsonNode start(String source, List<String> destinations, boolean atomic, String rate) {
        return start(source, destinations, atomic, rate, false);
    }

    /** Starts a move as {@link #start(String, List, boolean, String)} does, with {@code --verify} if asked. */
    JsonNode start(String source, List<String> destinations, boolean atomic, String rate, boolean verify) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("destinations", destinations);
        body.put("atomic", atomic);
        body.put("verify", verify);
        if (rate != null) {
            body.put("rate", rate);
        }
        return daemon.api("POST", "/v1/pvmoves", body);
    }

    /** Every move the daemon lists. */
    List<JsonNode> moves() {
        List<JsonNode> all = new ArrayList<>();
        daemon.api("GET", "/v1/pvmoves", null).path("pvmoves").forEach(all::add);
        return all;
    }

    /** The moves still running (or starting, completing, aborting). */
    List<JsonNode> active() {
        return moves().stream().filter(m -> ACTIVE.contains(m.path("state").asText())).toList();
    }

    /** Waits until no move is active; fails if one ended FAILED or is HELD. */
    void awaitIdle(Duration timeout) {
        Poll.until(timeout, "every move to end", () -> active().isEmpty());
        for (JsonNode m : moves()) {
            if (Set.of("FAILED", "HELD").contains(m.path("state").asText())) {
                throw new AssertionError("move failed or held: " + m);
            }
        }
    }

    /** Waits until move {@code id} has ended (COMPLETED, ABORTED or FAILED) or is HELD; returns it as listed then. */
    JsonNode awaitEnd(long id, Duration timeout) {
        JsonNode[] end = new JsonNode[1];
        Poll.until(timeout, "move " + id + " to end", () -> {
            end[0] = moves().stream().filter(m -> m.path("id").asLong() == id).findFirst()
                    .orElseThrow(() -> new AssertionError("move " + id + " is not listed"));
            return !ACTIVE.contains(end[0].path("state").asText());
        });
        return end[0];
    }

    /** Waits until move {@code id} is listed in {@code state} and returns it as listed then. */
    JsonNode awaitState(long id, String state, Duration timeout) {
        JsonNode[] m = new JsonNode[1];
        Poll.until(timeout, "move " + id + " to be " + state, () -> {
            m[0] = move(id);
            return m[0].path("state").asText().equals(state);
        });
        return m[0];
    }

    /** Move {@code id} as listed now. */
    JsonNode move(long id) {
        return moves().stream().filter(m -> m.path("id").asLong() == id).findFirst()
                .orElseThrow(() -> new AssertionError("move " + id + " is not listed"));
    }

    /** The copy progress of the first active move, or -1 with none. */
    double percent() {
        return active().stream().mapToDouble(m -> m.path("percent").asDouble()).findFirst().orElse(-1);
    }

    /** Aborts the move off {@code source} (every move if null); returns the aborted moves. */
    List<JsonNode> abort(String source) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (source != null) {
            body.put("source", source);
        }
        List<JsonNode> aborted = new ArrayList<>();
        daemon.api("POST", "/v1/pvmoves/abort", body).path("pvmoves").forEach(aborted::add);
        return aborted;
    }

    /** Aborts the move off {@code source}; an empty list if it had already ended (NO_SUCH_MOVE). */
    List<JsonNode> abortIfRunning(String source) {
        List<JsonNode> aborted = new ArrayList<>();
        try {
            daemon.control(Duration.ofSeconds(120)).call("POST", "/v1/pvmoves/abort", Map.of("source", source))
                    .path("pvmoves").forEach(aborted::add);
        } catch (ControlCallException e) {
            if (!"NO_SUCH_MOVE".equals(e.errorName())) {
                throw new AssertionError("abort of " + source + " failed: " + e.getMessage(), e);
            }
        }
        return aborted;
    }

    /**
     * The PV files an LV's extents lie on, from {@code lvs -a -o devices} (extent numbers dropped; a mirrored LV's
     * legs through its image rows, its region log not included).
     */
    Set<String> devices(String vgLv) {
        String out = daemon.cliOk("lvs", "-a", "--noheadings", "-o", "devices", vgLv).out();
        Set<String> pvs = new TreeSet<>();
        Arrays.stream(out.strip().split("[,\\s]+")).filter(s -> s.startsWith("/") || s.contains("://"))
                .forEach(d -> pvs.add(d.replaceAll("\\(\\d+\\)$", "")));
        return pvs;
    }

    /** Every LV name {@code lvs -a} lists, hidden ones in brackets. */
    String allLvNames() {
        return daemon.cliOk("lvs", "-a", "--noheadings", "-o", "lv_name").out();
    }
}
