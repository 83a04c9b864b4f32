package dev.ferry.daemon.api;

import dev.ferry.daemon.control.ControlResponse;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.mirror.MirrorService;
import dev.ferry.daemon.mirror.ResyncProgress;
import dev.ferry.daemon.mirror.ResyncRequest;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import io.netty.handler.codec.http.HttpMethod;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AIX's mirror verbs as background jobs: {@code POST /v1/vgs/{vg}/migratepp {"source":"PV:PE","destination":"PV:PE"}}
 * and {@code POST /v1/vgs/{vg}/resync {"lv"?,"le"?,"pv"?,"force"?}} (an LE needs its LV; an LV or a PV, not both) check
 * the request, start the job and answer 202 with it and its {@code location}, {@code GET /v1/resyncs/{id}};
 * {@code GET /v1/resyncs} lists the jobs running and recently finished, with progress and outcome (a migratepp's
 * {@code SUCCESS} or {@code RESYNC_FAILED}, the copy moved but stale). Refusals are errors named by their
 * {@link ErrorCode}.
 */
public final class MirrorRoutes {

    /** {@code POST /v1/vgs/{vg}/migratepp}. */
    record Migrate(String source, String destination) {
    }

    /** {@code POST /v1/vgs/{vg}/resync}. */
    record Resync(String lv, Long le, String pv, Boolean force) {
    }

    private MirrorRoutes() {
    }

    /** Adds the routes over {@code mirrors}. */
    public static void install(ControlRouter router, MirrorService mirrors) {
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/migratepp", q -> {
            Migrate b = q.bodyAs(Migrate.class);
            String vg = q.pathParam("vg");
            String[] src = pvPe(RequestBodies.required(b.source(), "source"), "source");
            String[] dst = pvPe(RequestBodies.required(b.destination(), "destination"), "destination");
            return ControlResponse.json(202, json(mirrors.migratepp(vg, src[0], Long.parseLong(src[1]), dst[0],
                    Long.parseLong(dst[1]))));
        });
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/resync", q -> {
            Resync b = q.bodyAs(Resync.class);
            String vg = q.pathParam("vg");
            boolean force = Boolean.TRUE.equals(b.force());
            if ((b.lv() == null) == (b.pv() == null) || b.le() != null && b.lv() == null) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "resync needs \"lv\" (with \"le\" for one "
                        + "extent) or \"pv\", not both");
            }
            ResyncProgress r = b.pv() != null ? mirrors.resyncpv(vg, b.pv(), force)
                    : b.le() != null ? mirrors.resynclp(vg, lvName(b.lv()), b.le(), force)
                    : mirrors.resynclv(vg, lvName(b.lv()), force);
            return ControlResponse.json(202, json(r));
        });
        router.add(HttpMethod.GET, "/v1/resyncs", q -> Map.of("resyncs",
                mirrors.resyncs().stream().map(MirrorRoutes::json).toList()));
        router.add(HttpMethod.GET, "/v1/resyncs/{id}", q -> json(mirrors.resync(id(q.pathParam("id")))));
    }

    /** {@code PV:PE} split at its last colon; INVALID_ARGUMENT naming {@code what} when malformed. */
    static String[] pvPe(String text, String what) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || !text.substring(colon + 1).matches("[0-9]{1,18}")) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, what + " must be PV:PE, got '" + text + "'");
        }
        return new String[] {text.substring(0, colon), text.substring(colon + 1)};
    }

    private static long id(String text) {
        if (!text.matches("[0-9]{1,18}")) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "resync id must be a number, got '" + text + "'");
        }
        return Long.parseLong(text);
    }

    private static String lvName(String lv) {
        return lv.substring(lv.indexOf('/') + 1);
    }

    /**
     * The documented JSON of one job: the request (a migratepp's {@code source} and {@code destination}, null for a
     * resync), whether it was {@code resumed}, its state and progress, then the outcome ({@code outcome}, null while
     * running; {@code lvs}, {@code pvs}, {@code extents}, {@code copies} rewritten so far) and the {@code error} it
     * ended with ({@code error}, {@code message}, HTTP {@code status}).
     */
    static Map<String, Object> json(ResyncProgress p) {
        ResyncRequest q = p.request();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("location", "/v1/resyncs/" + p.id());
        m.put("verb", q.verb());
        m.put("target", q.target());
        m.put("vg", q.vg());
        m.put("lv", q.lv());
        m.put("le", q.le());
        m.put("pv", q.pv());
        m.put("force", q.force());
        m.put("source", q.source());
        m.put("destination", q.destination());
        m.put("resumed", p.resumed());
        m.put("state", p.state().name());
        m.put("percent", Math.round(p.percent() * 100) / 100.0);
        m.put("total_bytes", p.totalBytes());
        m.put("copied_bytes", p.copiedBytes());
        m.put("mib_per_second", Math.round(p.mibPerSecond() * 100) / 100.0);
        m.put("eta_seconds", p.etaSeconds());
        m.put("elapsed_seconds", Math.round(p.elapsedSeconds() * 1000) / 1000.0);
        m.put("outcome", p.outcome());
        m.put("lvs", p.result().lvs());
        m.put("pvs", p.result().pvs());
        m.put("extents", p.result().extents());
        m.put("copies", p.result().copies());
        m.put("error", p.error() == null ? null : Map.of("error", p.error().code().name(), "message",
                p.error().message(), "status", ApiErrors.status(p.error().code())));
        return m;
    }
}
