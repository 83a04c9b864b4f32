package dev.ferry.daemon.process;

import dev.ferry.daemon.control.ControlResponse;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.metrics.Scrape;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes every daemon answers in every state.
 *
 * <ul>
 *   <li>{@code GET /v1/version} → {@code {"name":"ferry","version":..,"api":"v1","java":..,"pid":..}}</li>
 *   <li>{@code GET /v1/health} → {@code {"state":"RUNNING","pid":..,"uptime_seconds":..,"data_dir":..,"services":[..]}}</li>
 *   <li>{@code GET /metrics} → Prometheus text format 0.0.4 (OpenMetrics when the Accept header asks for it)</li>
 *   <li>{@code POST /v1/shutdown[?wait=false]} → with wait (default) 200 once every service has stopped:
 *       {@code {"state":"STOPPED","clean":..,"reason":..,"services":[{"service","clean","detail"}]}} (the
 *       control socket closes right after); without, 202 {@code {"state":"STOPPING"}} at once</li>
 * </ul>
 */
final class SystemRoutes {
    private SystemRoutes() {
    }

    static void register(ControlRouter router, DaemonProcess process, PrometheusMeterRegistry registry) {
        router.addSystem(HttpMethod.GET, "/v1/version", request -> version());
        router.addSystem(HttpMethod.GET, "/v1/health", request -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("state", process.state().name());
            body.put("pid", ProcessHandle.current().pid());
            body.put("uptime_seconds", process.uptime().toMillis() / 1000.0);
            body.put("data_dir", process.config().dataDir().toString());
            body.put("services", process.serviceNames());
            return body;
        });
        router.addSystem(HttpMethod.GET, "/metrics", request -> {
            Scrape scrape = Scrape.of(registry, request.header("Accept").orElse(null));
            return ControlResponse.raw(200, scrape.contentType(), scrape.body());
        });
        router.addSystem(HttpMethod.POST, "/v1/shutdown", request -> {
            boolean wait = request.queryFlag("wait", true);
            var stopped = process.requestStop("shutdown requested through the control API");
            if (!wait) {
                return ControlResponse.json(202, Map.of("state", DaemonState.STOPPING.name()));
            }
            return stopped.thenApply(SystemRoutes::stopBody);
        });
    }

    /** The version document, also used by the client for its own side. */
    static Map<String, Object> version() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "ferry");
        body.put("version", BuildInfo.version());
        body.put("api", BuildInfo.API_VERSION);
        body.put("java", System.getProperty("java.version"));
        body.put("pid", ProcessHandle.current().pid());
        return body;
    }

    private static Map<String, Object> stopBody(StopReport report) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", DaemonState.STOPPED.name());
        body.put("clean", report.clean());
        body.put("reason", report.reason());
        List<Map<String, Object>> services = report.services().stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("service", s.service());
            m.put("clean", s.clean());
            m.put("detail", s.detail());
            return m;
        }).toList();
        body.put("services", services);
        return body;
    }
}
