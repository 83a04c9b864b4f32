package dev.ferry.daemon.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The {@code --metrics} listener over real HTTP: the scrape at /metrics, nothing else, loopback unless allowed. */
class MetricsListenerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesTheRegistryAtMetricsOnly() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("ferry.test.things").register(registry).increment(3);
        try (MetricsListener l = MetricsListener.start(new InetSocketAddress("127.0.0.1", 0), registry)) {
            String base = "http://127.0.0.1:" + l.address().getPort();
            HttpResponse<String> ok = get(base + "/metrics", "text/plain");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("Content-Type")).contains(Scrape.PROMETHEUS_TEXT);
            assertThat(ok.body()).contains("ferry_test_things_total 3.0");
            HttpResponse<String> open = get(base + "/metrics", "application/openmetrics-text");
            assertThat(open.headers().firstValue("Content-Type")).contains(Scrape.OPENMETRICS_TEXT);
            assertThat(open.body()).endsWith("# EOF\n");
            assertThat(get(base + "/v1/health", "text/plain").statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        } finally {
            registry.close();
        }
    }

    @Test
    void refusesANonLoopbackAddressUnlessAllowed() {
        InetSocketAddress any = new InetSocketAddress("0.0.0.0", 9100);
        assertThatThrownBy(() -> MetricsListener.checkAddress(any, false))
                .hasMessageContaining("0.0.0.0:9100 is not a loopback address").hasMessageContaining("--metrics-remote");
        assertThat(MetricsListener.checkAddress(any, true)).isEqualTo(any);
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 9100);
        assertThat(MetricsListener.checkAddress(loopback, false)).isEqualTo(loopback);
    }

    private HttpResponse<String> get(String uri, String accept) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
