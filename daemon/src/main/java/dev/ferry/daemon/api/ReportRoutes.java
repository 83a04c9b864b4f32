package dev.ferry.daemon.api;

import dev.ferry.daemon.control.ControlErrors;
import dev.ferry.daemon.control.ControlRequest;
import dev.ferry.daemon.control.ControlResponse;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.model.report.Report;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.model.report.Units;
import dev.ferry.daemon.operations.VolumeOperations;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * {@code GET /v1/reports/pvs|vgs|lvs}: LVM's reports. Query parameters mirror the options: {@code all}
 * ({@code -a}), {@code o} ({@code -o}, {@code +f} adds), {@code units}, {@code nosuffix}, {@code segments},
 * {@code name} (repeatable: PV paths, VG names, {@code VG/LV}), and {@code reportformat}: {@code json}
 * (default, LVM's layout {@code {"report":[{"lv":[...]}]}}) or {@code text} (the aligned table as
 * {@code text/plain}, with {@code noheadings} and {@code separator}).
 */
public final class ReportRoutes {
    /** Content type of text reports. */
    public static final String TEXT = "text/plain; charset=utf-8";

    private ReportRoutes() {
    }

    /** Adds the three report routes to {@code router}. */
    public static void install(ControlRouter router, VolumeOperations ops) {
        router.add(HttpMethod.GET, "/v1/reports/pvs", q -> answer(q, ops::pvs));
        router.add(HttpMethod.GET, "/v1/reports/vgs", q -> answer(q, ops::vgs));
        router.add(HttpMethod.GET, "/v1/reports/lvs", q -> answer(q, ops::lvs));
    }

    private static Object answer(ControlRequest q, Function<ReportOptions, Report> build) {
        Units units = q.query("units").map(Units::parse).orElse(Units.HUMAN);
        if (q.queryFlag("nosuffix", false)) {
            units = units.withoutSuffix();
        }
        List<String> names = q.queryParams().getOrDefault("name", List.of());
        ReportOptions options = new ReportOptions(q.queryFlag("all", false), q.query("o").orElse(null), units,
            q.queryFlag("segments", false), names);
        String format = q.query("reportformat").orElse("json");
        switch (format) {
            case "json":
                return build.apply(options).toJsonTree();
            case "text":
                String text = build.apply(options).toText(!q.queryFlag("noheadings", false),
                    q.query("separator").orElse(null));
                return ControlResponse.raw(200, TEXT, text.getBytes(StandardCharsets.UTF_8));
            default:
                throw ControlErrors.invalidArgument("reportformat must be json or text, got '" + format + "'");
        }
    }
}
