package dev.ferry.daemon.api;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.bitmap.DirtyBitmap;
import dev.ferry.daemon.bitmap.DirtyBitmaps;
import dev.ferry.daemon.control.ControlRequest;
import dev.ferry.daemon.control.ControlResponse;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.operations.VolumeService;
import io.netty.handler.codec.http.HttpMethod;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dirty bitmaps of an LV (see daemon/docs/bitmaps.md):
 *
 * <pre>
 *  GET    /v1/vgs/{vg}/lvs/{lv}/bitmaps                       200 {"bitmaps":[bitmap...]}
 *  POST   /v1/vgs/{vg}/lvs/{lv}/bitmaps  {"name","granularity"?}   201 bitmap  (granularity e.g. "64k", bare: KiB)
 *  POST   /v1/vgs/{vg}/lvs/{lv}/bitmaps/{name}/clear           200 bitmap
 *  DELETE /v1/vgs/{vg}/lvs/{lv}/bitmaps/{name}                 200 {"removed":name}
 * </pre>
 *
 * A bitmap is {@code {"name","granularity","dirty_bytes","inconsistent","context"}}. Refusals: LV_NOT_FOUND,
 * BITMAP_EXISTS, BITMAP_NOT_FOUND, BITMAP_INCONSISTENT, INVALID_NAME, INVALID_ARGUMENT.
 */
public final class BitmapRoutes {

    /** {@code POST .../bitmaps}. */
    record Add(String name, String granularity) {
    }

    private BitmapRoutes() {
    }

    /** Adds the routes over {@code bitmaps}, checking each LV exists in {@code volumes}. */
    public static void install(ControlRouter router, VolumeService volumes, DirtyBitmaps bitmaps) {
        String base = "/v1/vgs/{vg}/lvs/{lv}/bitmaps";
        router.add(HttpMethod.GET, base, q -> Map.of("bitmaps",
                bitmaps.list(lv(q, volumes)).stream().map(BitmapRoutes::json).toList()));
        router.add(HttpMethod.POST, base, q -> {
            Add b = q.bodyAs(Add.class);
            long granularity = b.granularity() == null ? DirtyBitmap.DEFAULT_GRANULARITY
                    : Sizes.bytes(b.granularity(), 'k', "granularity");
            return ControlResponse.json(201, json(bitmaps.add(lv(q, volumes),
                    RequestBodies.required(b.name(), "name"), granularity)));
        });
        router.add(HttpMethod.POST, base + "/{name}/clear",
                q -> json(bitmaps.clear(lv(q, volumes), q.pathParam("name"))));
        router.add(HttpMethod.DELETE, base + "/{name}", q -> {
            bitmaps.remove(lv(q, volumes), q.pathParam("name"));
            return Map.of("removed", q.pathParam("name"));
        });
    }

    /** The export name ({@code VG/LV}) of the request's LV, which must exist. */
    private static String lv(ControlRequest q, VolumeService volumes) {
        String vg = q.pathParam("vg");
        String lv = volumes.manager().requireVolumeGroup(vg).requireLv(q.pathParam("lv")).name();
        return Activator.exportName(vg, lv);
    }

    private static Map<String, Object> json(DirtyBitmap b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("granularity", b.granularity());
        m.put("dirty_bytes", b.dirtyBytes());
        m.put("inconsistent", b.inconsistent());
        m.put("context", "qemu:dirty-bitmap:" + b.name());
        return m;
    }
}
