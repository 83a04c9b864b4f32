package dev.ferry.daemon.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.daemon.activation.DmExports;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.operations.VolumeOperations;
import dev.ferry.daemon.policy.AllowedPaths;
import dev.ferry.daemon.process.DaemonConfig;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzz target (Jazzer) for the control API's request handling: routing, path parameters, queries,
 * body binding and validation, and the mapping of errors to answers. A real control server in this JVM (on a Unix
 * socket) carries the volume, report and dmsetup routes; the volume operations behind them refuse everything and
 * the device mapper resolves no device, so nothing on the host can be touched whatever the fuzzer sends. Each input
 * is one connection: either raw bytes, or a well-formed HTTP request to one of the routes with fuzzed parameters,
 * query and body. Every answer must be a complete HTTP response whose status is below 500, an error answer must
 * carry a JSON error name, and the server must still answer a health check afterwards. Under plain JUnit it
 * replays the inputs in {@code src/test/resources/dev/ferry/daemon/api/RestFuzzTestInputs/}.
 */
class RestFuzzTest {

    private static final List<String> ROUTES = List.of(
            "GET /v1/health", "GET /v1/version", "GET /v1/reports/pvs", "GET /v1/reports/vgs", "GET /v1/reports/lvs",
            "POST /v1/pvs", "DELETE /v1/pvs", "POST /v1/vgs", "DELETE /v1/vgs/{vg}", "POST /v1/vgs/{vg}/extend",
            "POST /v1/vgs/{vg}/reduce", "POST /v1/vgs/{vg}/lvs", "DELETE /v1/vgs/{vg}/lvs/{lv}",
            "POST /v1/vgs/{vg}/lvs/{lv}/activate", "POST /v1/vgs/{vg}/lvs/{lv}/deactivate",
            "POST /v1/vgs/{vg}/lvs/{lv}/rename", "POST /v1/vgs/{vg}/lvs/{lv}/resize",
            "POST /v1/vgs/{vg}/lvs/{lv}/convert", "POST /v1/vgs/{vg}/migratepp", "POST /v1/vgs/{vg}/resync",
            "GET /v1/dm", "POST /v1/dm", "DELETE /v1/dm/{name}", "GET /v1/dm/{name}/info", "GET /v1/dm/{name}/status",
            "GET /v1/dm/{name}/table", "PUT /v1/dm/{name}/table", "POST /v1/dm/{name}/suspend",
            "POST /v1/dm/{name}/resume");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD");
    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.[01] (\\d{3}) ");
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(20);

    /** The daemon's data directory and the only path it allows; JUnit removes it after the class. */
    @TempDir
    static Path root;
    private static DeviceRegistry registry;
    private static DaemonProcess daemon;
    private static UnixDomainSocketAddress socket;

    @BeforeAll
    static void start() throws Exception {
        registry = new DeviceRegistry(TargetTypes.standard(), Scheduler.system(), name -> {
            throw new IllegalArgumentException("fuzzing opens no device (asked for " + name + ")");
        }, Duration.ofSeconds(2));
        DaemonConfig d = DaemonConfig.defaults(root.resolve("daemon"));
        DaemonConfig config = new DaemonConfig(d.dataDir(), d.nbdListen(), d.controlSocket(), Optional.empty(),
                Optional.empty(), 1, Duration.ofSeconds(5));
        daemon = DaemonProcess.builder(config).routes(router -> ApiRoutes.install(router, refusingOperations(), registry,
                new DmExports(new ExportDirectory(), FerryServices::blockDeviceExport), Duration.ofSeconds(2),
                AllowedPaths.of(root, List.of()))).build();
        daemon.start();
        socket = UnixDomainSocketAddress.of(config.controlSocket().path());
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.stop("fuzzing over");
        }
        if (registry != null) {
            for (var device : registry.list()) {
                registry.remove(device.name(), true).join();
            }
        }
    }

    /** Volume operations that refuse every call, so no fuzzed request reaches a file. */
    private static VolumeOperations refusingOperations() {
        return (VolumeOperations) Proxy.newProxyInstance(RestFuzzTest.class.getClassLoader(),
                new Class<?>[] {VolumeOperations.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(proxy, args);
                    }
                    throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "fuzzing: " + method.getName() + " refused");
                });
    }

    @FuzzTest(maxDuration = "60s")
    void request(FuzzedDataProvider data) throws IOException {
        boolean raw = data.consumeBoolean();
        byte[] request = raw ? data.consumeRemainingAsBytes() : wellFormed(data);
        if (new String(request, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT).contains("shutdown")) {
            return; // the one route that ends the server on purpose
        }
        String answer = exchange(request, raw);
        assertThat(raw || !answer.isEmpty()).as("an answer to %s", printable(request)).isTrue();
        if (!answer.isEmpty()) {
            Matcher status = STATUS.matcher(answer);
            assertThat(status.find()).as("status line of %s", answer).isTrue();
            int code = Integer.parseInt(status.group(1));
            assertThat(code).as("answer to %s:%n%s", printable(request), answer).isLessThan(500);
            boolean head = new String(request, StandardCharsets.ISO_8859_1).startsWith("HEAD ");
            if (code >= 400 && code != 413 && !head) { // an answer to HEAD has no body
                assertThat(answer).as("error body").contains("\"error\"");
            }
        }
        assertThat(exchange("GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII), false)).as("health after %s", printable(request)).startsWith("HTTP/1.1 200");
    }

    private static byte[] wellFormed(FuzzedDataProvider data) {
        String route = data.pickValue(ROUTES);
        String method = data.consumeBoolean() ? route.substring(0, route.indexOf(' ')) : data.pickValue(METHODS);
        StringBuilder path = new StringBuilder();
        for (String segment : route.substring(route.indexOf(' ') + 2).split("/")) {
            path.append('/').append(segment.startsWith("{") ? data.consumeString(24) : segment);
        }
        String query = data.consumeBoolean() ? "?" + data.consumeString(64) : "";
        byte[] body = data.consumeRemainingAsBytes();
        String head = method + " " + path + query + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(body);
        return out.toByteArray();
    }

    /**
     * Sends {@code request} and returns everything the server answered until it closed the connection. Raw bytes
     * may be an unfinished request, so the connection is then half-closed to end it (the server drops a connection
     * whose client stopped sending, so a raw request may get no answer); a well-formed request asks for
     * {@code Connection: close} and is not half-closed.
     */
    private static String exchange(byte[] request, boolean halfClose) throws IOException {
        try (SocketChannel ch = SocketChannel.open(socket); Selector selector = Selector.open()) {
            ByteBuffer out = ByteBuffer.wrap(request);
            try {
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                if (halfClose) {
                    ch.shutdownOutput();
                }
            } catch (IOException closedEarly) {
                // the server may answer and close before it has read everything (e.g. an oversized body)
            }
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(65536);
            long deadline = System.nanoTime() + ANSWER_WITHIN.toNanos();
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                assertThat(left).as("answer to %s within %s", printable(request), ANSWER_WITHIN).isPositive();
                selector.select(left);
                selector.selectedKeys().clear();
                int n;
                try {
                    n = ch.read(in.clear());
                } catch (IOException reset) {
                    break;
                }
                if (n < 0) {
                    break;
                }
                answer.write(in.array(), 0, n);
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static String printable(byte[] request) {
        String s = new String(request, StandardCharsets.ISO_8859_1);
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
