package dev.ferry.daemon.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One scrape of a Prometheus registry as served at {@code GET /metrics} (on the control endpoint and by
 * {@link MetricsListener}): Prometheus text format 0.0.4, or OpenMetrics when the Accept header asks for it.
 *
 * @param contentType the format's content type
 * @param body        the exposition
 */
public record Scrape(String contentType, byte[] body) {
    /** Content type of the Prometheus text exposition format. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** Content type of the OpenMetrics text format. */
    public static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /** Scrapes {@code registry} in the format {@code accept} (the request's Accept header, or null) asks for. */
    public static Scrape of(PrometheusMeterRegistry registry, String accept) {
        boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
        String contentType = openMetrics ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            registry.scrape(out, contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Scrape(contentType, out.toByteArray());
    }
}
