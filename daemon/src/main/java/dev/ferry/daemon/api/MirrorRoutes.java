package dev.ferry.daemon.api;

import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.mirror.MigrateResult;
import dev.ferry.daemon.mirror.MirrorService;
import dev.ferry.daemon.mirror.ResyncResult;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import io.netty.handler.codec.http.HttpMethod;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AIX's mirror verbs: {@code POST /v1/vgs/{vg}/migratepp {"source":"PV:PE","destination":"PV:PE"}} and
 * {@code POST /v1/vgs/{vg}/resync {"lv"?,"le"?,"pv"?,"force"?}} (an LE needs its LV; an LV or a PV, not both).
 * Both answer 200 with {@code outcome} {@code SUCCESS}, or for migratepp {@code RESYNC_FAILED} (the copy moved but is
 * stale); refusals are errors named by their {@link ErrorCode}.
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
            return json(mirrors.migratepp(vg, src[0], Long.parseLong(src[1]), dst[0], Long.parseLong(dst[1])));
        });
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/resync", q -> {
            Resync b = q.bodyAs(Resync.class);
            String vg = q.pathParam("vg");
            boolean force = Boolean.TRUE.equals(b.force());
            if ((b.lv() == null) == (b.pv() == null) || b.le() != null && b.lv() == null) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "resync needs \"lv\" (with \"le\" for one "
                        + "extent) or \"pv\", not both");
            }
            ResyncResult r = b.pv() != null ? mirrors.resyncpv(vg, b.pv(), force)
                    : b.le() != null ? mirrors.resynclp(vg, lvName(b.lv()), b.le(), force)
                    : mirrors.resynclv(vg, lvName(b.lv()), force);
            return json(r);
        });
    }

    /** {@code PV:PE} split at its last colon; INVALID_ARGUMENT naming {@code what} when malformed. */
    static String[] pvPe(String text, String what) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || !text.substring(colon + 1).matches("[0-9]{1,18}")) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, what + " must be PV:PE, got '" + text + "'");
        }
        return new String[] {text.substring(0, colon), text.substring(colon + 1)};
    }

    private static String lvName(String lv) {
        return lv.substring(lv.indexOf('/') + 1);
    }

    private static Map<String, Object> json(MigrateResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", r.outcome());
        m.put("vg", r.vg());
        m.put("lv", r.lv());
        m.put("le", r.le());
        m.put("source", r.source());
        m.put("destination", r.destination());
        m.put("copies", r.copies());
        return m;
    }

    private static Map<String, Object> json(ResyncResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", r.outcome());
        m.put("vg", r.vg());
        m.put("lvs", r.lvs());
        m.put("pvs", r.pvs());
        m.put("extents", r.extents());
        m.put("copies", r.copies());
        return m;
    }
}
