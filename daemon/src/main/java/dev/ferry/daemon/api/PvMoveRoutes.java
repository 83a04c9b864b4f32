package dev.ferry.daemon.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ferry.daemon.control.ControlRequest;
import dev.ferry.daemon.control.ControlResponse;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.PvSelection;
import dev.ferry.daemon.pvmove.MoveProgress;
import dev.ferry.daemon.pvmove.PvMoveRequest;
import dev.ferry.daemon.pvmove.PvMoveService;
import dev.ferry.daemon.pvmove.VerifyMismatch;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pvmove routes ({@code daemon/docs/pvmove.md}): {@code GET /v1/pvmoves}, {@code POST /v1/pvmoves} (start, or
 * with an empty body continue), {@code POST /v1/pvmoves/abort} and {@code POST /v1/pvmoves/rate}.
 */
public final class PvMoveRoutes {
    private static final Duration ABORT_WAIT = Duration.ofSeconds(120);

    /** {@code POST /v1/pvmoves}. */
    record Start(String source, List<String> destinations, String lv, Boolean atomic, String alloc, String rate,
                 Boolean verify) {
    }

    /** {@code POST /v1/pvmoves/abort}. */
    record Abort(String source) {
    }

    /** {@code POST /v1/pvmoves/rate}. */
    record Rate(String source, @JsonProperty("rate") String rate) {
    }

    private PvMoveRoutes() {
    }

    /** Adds the routes over {@code moves}. */
    public static void install(ControlRouter router, PvMoveService moves) {
        router.add(HttpMethod.GET, "/v1/pvmoves", q -> list(moves.moves()));
        router.add(HttpMethod.POST, "/v1/pvmoves", q -> start(q, moves));
        router.add(HttpMethod.POST, "/v1/pvmoves/abort", q -> {
            Abort b = q.body().length == 0 ? new Abort(null) : q.bodyAs(Abort.class);
            try {
                return list(moves.abort(b.source(), ABORT_WAIT));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
        router.add(HttpMethod.POST, "/v1/pvmoves/rate", q -> {
            Rate b = q.bodyAs(Rate.class);
            return json(moves.setRate(RequestBodies.required(b.source(), "source"),
                    rate(RequestBodies.required(b.rate(), "rate"))));
        });
    }

    private static Object start(ControlRequest q, PvMoveService moves) {
        Start b = q.body().length == 0 ? new Start(null, null, null, null, null, null, null) : q.bodyAs(Start.class);
        if (b.source() == null) {
            return list(moves.resumeAll());
        }
        List<PvSelection> dst = b.destinations() == null ? List.of()
                : b.destinations().stream().map(PvSelection::parse).toList();
        PvMoveRequest request = new PvMoveRequest(PvSelection.parse(b.source()), dst, lvName(b.lv()),
                Boolean.TRUE.equals(b.atomic()), b.alloc() == null ? null : AllocationPolicy.parse(b.alloc()),
                b.rate() == null ? 0 : rate(b.rate()), Boolean.TRUE.equals(b.verify()));
        return ControlResponse.json(201, json(moves.start(request)));
    }

    /** {@code LV} or {@code VG/LV} as the LV name. */
    private static String lvName(String lv) {
        return lv == null ? null : lv.substring(lv.indexOf('/') + 1);
    }

    /** An LVM size per second ({@code 50M/s}, {@code 1g}, default MiB; {@code 0} = unlimited) in bytes/s. */
    static long rate(String text) {
        String t = text.endsWith("/s") ? text.substring(0, text.length() - 2) : text;
        return t.equals("0") ? 0 : Sizes.bytes(t, 'm', "rate");
    }

    private static Map<String, Object> list(List<MoveProgress> moves) {
        return Map.of("pvmoves", moves.stream().map(PvMoveRoutes::json).toList());
    }

    private static Map<String, Object> mismatch(VerifyMismatch v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("segment", v.segment());
        m.put("lv", v.lv());
        m.put("lv_byte", v.lvByte() < 0 ? null : v.lvByte());
        m.put("source_pv", v.sourcePv());
        m.put("source_byte", v.sourceByte());
        m.put("destination_pv", v.destinationPv());
        m.put("destination_byte", v.destinationByte());
        return m;
    }

    /** The documented JSON of one move. */
    static Map<String, Object> json(MoveProgress p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("name", p.name());
        m.put("vg", p.vg());
        m.put("source", p.source());
        m.put("destinations", p.destinations());
        m.put("lvs", p.lvs());
        m.put("atomic", p.atomic());
        m.put("verify", p.verify());
        m.put("state", p.state().name());
        m.put("percent", Math.round(p.percent() * 100) / 100.0);
        m.put("total_bytes", p.totalBytes());
        m.put("copied_bytes", p.copiedBytes());
        m.put("transferred_bytes", p.transferredBytes());
        m.put("rate_limit", p.rateLimit());
        m.put("mib_per_second", Math.round(p.mibPerSecond() * 100) / 100.0);
        m.put("eta_seconds", p.etaSeconds());
        m.put("elapsed_seconds", Math.round(p.elapsedSeconds() * 1000) / 1000.0);
        m.put("error", p.errorCode() == null ? null : Map.of("error", p.errorCode(), "message",
                String.valueOf(p.errorMessage())));
        m.put("mismatch", p.mismatch() == null ? null : mismatch(p.mismatch()));
        m.put("segments", p.segments().stream().map(s -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("index", s.index());
            x.put("extents", s.extents());
            x.put("source", s.source());
            x.put("destination", s.destination());
            x.put("state", s.state());
            x.put("percent", Math.round(s.percent() * 100) / 100.0);
            x.put("verified", s.verified());
            return x;
        }).toList());
        return m;
    }
}
