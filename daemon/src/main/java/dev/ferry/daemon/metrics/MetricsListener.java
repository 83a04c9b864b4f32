package dev.ferry.daemon.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The optional plain-HTTP listener of {@code --metrics HOST:PORT} ({@code ferry daemon} and {@code ferry serve}):
 * answers {@code GET /metrics} with a {@link Scrape} of the registry, 404 for any other path and 405 for any other
 * method, on one thread. It binds to a loopback address unless remote scrapers are allowed explicitly.
 */
public final class MetricsListener implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService thread;

    private MetricsListener(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /**
     * Checks that {@code address} is loopback unless {@code allowRemote}.
     *
     * @throws IllegalArgumentException naming the address and the option that allows it
     */
    public static InetSocketAddress checkAddress(InetSocketAddress address, boolean allowRemote) {
        if (!allowRemote && (address.isUnresolved() || !address.getAddress().isLoopbackAddress())) {
            throw new IllegalArgumentException("--metrics " + address.getHostString() + ":" + address.getPort()
                    + " is not a loopback address; add --metrics-remote to let other hosts scrape it");
        }
        return address;
    }

    /** Binds {@code address} (port 0 picks a free one) and serves {@code registry}; the address is not checked here. */
    public static MetricsListener start(InetSocketAddress address, PrometheusMeterRegistry registry) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ferry-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", exchange -> handle(exchange, registry));
        server.start();
        return new MetricsListener(server, thread);
    }

    private static void handle(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found: only /metrics is served here\n"
                        .getBytes(StandardCharsets.UTF_8));
            } else if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "text/plain; charset=utf-8", "only GET /metrics\n".getBytes(StandardCharsets.UTF_8));
            } else {
                Scrape scrape = Scrape.of(registry, exchange.getRequestHeaders().getFirst("Accept"));
                send(exchange, 200, scrape.contentType(), scrape.body());
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops listening at once. */
    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
