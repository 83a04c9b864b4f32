package dev.ferry.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.HttpReply;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.Prerequisites;
import dev.ferry.daemon.testing.RawHttp;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.codec.http.HttpMethod;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The control server on a real Unix socket and loopback TCP port, on both transports, driven by the real client. */
class ControlServerTest {
    @TempDir
    Path dir;

    private static final ControlToken TOKEN = ControlToken.of("0123456789abcdef");

    private ControlServer server;

    /** A request body bound to a record. */
    record Create(String name, long size) {
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop(Duration.ofSeconds(5));
        }
    }

    private ControlRouter router() {
        ControlRouter router = new ControlRouter();
        router.add(HttpMethod.POST, "/v1/lvs/{vg}", r -> {
            Create c = r.bodyAs(Create.class);
            return Map.of("vg", r.pathParam("vg"), "name", c.name(), "size", c.size(),
                "force", r.queryFlag("force", false));
        });
        router.add(HttpMethod.GET, "/v1/lvs/{vg}/{lv}", r -> {
            throw new ControlException("LV_NOT_FOUND", 404,
                "logical volume " + r.pathParam("vg") + "/" + r.pathParam("lv") + " not found");
        });
        router.add(HttpMethod.GET, "/v1/lvs/report/all", r -> Map.of("literal", true));
        router.add(HttpMethod.DELETE, "/v1/empty", r -> null);
        router.add(HttpMethod.GET, "/v1/bug", r -> {
            throw new IllegalStateException("boom");
        });
        router.add(HttpMethod.GET, "/v1/mapped", r -> {
            throw new UnsupportedOperationException("no mirrors on a single PV");
        });
        router.mapException(UnsupportedOperationException.class,
            e -> new ControlException("INVLPRED", 409, e.getMessage()));
        router.addSystem(HttpMethod.GET, "/v1/async", r -> CompletableFuture.supplyAsync(() -> Map.of("async", true)));
        return router;
    }

    private void start(ControlTransport transport, ControlRouter router, ControlGate gate) throws Exception {
        start(transport, router, gate, 4096);
    }

    private void start(ControlTransport transport, ControlRouter router, ControlGate gate, int maxBodyBytes)
            throws Exception {
        Prerequisites.require(transport != ControlTransport.EPOLL || Epoll.isAvailable(),
                "epoll is not available on this machine");
        server = new ControlServer(List.of(new ControlEndpoint.UnixSocket(dir.resolve("control.sock")),
            ControlEndpoint.parse("127.0.0.1:0")), router, gate, transport, maxBodyBytes, TOKEN);
        server.start();
    }

    private ControlClient unixClient() {
        return new ControlClient(new ControlEndpoint.UnixSocket(dir.resolve("control.sock")), Duration.ofSeconds(20));
    }

    private ControlClient tcpClient() {
        return tcpClient(TOKEN);
    }

    private ControlClient tcpClient(ControlToken token) {
        return new ControlClient(new ControlEndpoint.LoopbackTcp(server.tcpAddress().orElseThrow()), Duration.ofSeconds(20),
            token);
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void tcpNeedsTheTokenAndTheUnixSocketDoesNot(ControlTransport transport) throws Exception {
        start(transport, router(), ControlGate.OPEN);
        for (ControlToken wrong : new ControlToken[] {null, ControlToken.of("not-the-token")}) {
            HttpReply refused = tcpClient(wrong).exchange("GET", "/v1/lvs/report/all", null);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("\"name\":\"UNAUTHORIZED\"");
            assertThatThrownBy(() -> tcpClient(wrong).call("GET", "/v1/lvs/report/all", null))
                .isInstanceOf(ControlCallException.class)
                .satisfies(e -> assertThat(((ControlCallException) e).exitCode()).isEqualTo(ExitCodes.REFUSED));
        }
        assertThat(tcpClient().call("GET", "/v1/lvs/report/all", null).get("literal").asBoolean()).isTrue();
        assertThat(unixClient().call("GET", "/v1/lvs/report/all", null).get("literal").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void answersJsonBoundToRecordsWithPathAndQueryParametersOnBothEndpoints(ControlTransport transport) throws Exception {
        start(transport, router(), ControlGate.OPEN);
        for (ControlClient client : List.of(unixClient(), tcpClient())) {
            JsonNode answer = client.call("POST", "/v1/lvs/vg%200?force", new Create("lv1", 4096));
            assertThat(answer.get("vg").asText()).isEqualTo("vg 0");
            assertThat(answer.get("name").asText()).isEqualTo("lv1");
            assertThat(answer.get("size").asLong()).isEqualTo(4096);
            assertThat(answer.get("force").asBoolean()).isTrue();
            assertThat(client.call("GET", "/v1/lvs/report/all", null).get("literal").asBoolean()).isTrue();
            assertThat(client.call("GET", "/v1/async", null).get("async").asBoolean()).isTrue();
            assertThat(client.exchange("DELETE", "/v1/empty", null).status()).isEqualTo(204);
        }
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void refusesWithStableErrorNamesStatusesAndExitCodes(ControlTransport transport) throws Exception {
        start(transport, router(), ControlGate.OPEN);
        ControlClient client = unixClient();
        assertRefused(client, "GET", "/v1/lvs/vg0/lv9", null, "LV_NOT_FOUND", 404, ExitCodes.NOT_FOUND,
            "logical volume vg0/lv9 not found");
        assertRefused(client, "GET", "/v1/nothing", null, "NO_SUCH_ENDPOINT", 404, ExitCodes.NOT_FOUND,
            "no control endpoint /v1/nothing");
        assertRefused(client, "PUT", "/v1/lvs/vg0", null, "METHOD_NOT_ALLOWED", 405, ExitCodes.FAILED,
            "method PUT is not allowed on /v1/lvs/vg0 (allowed: POST)");
        assertRefused(client, "POST", "/v1/lvs/vg0", Map.of("name", "x", "size", "big"), "INVALID_REQUEST_BODY", 400,
            ExitCodes.USAGE, "invalid JSON request body");
        assertRefused(client, "POST", "/v1/lvs/vg0", Map.of("name", "x", "colour", "red"), "INVALID_REQUEST_BODY", 400,
            ExitCodes.USAGE, "colour");
        assertRefused(client, "POST", "/v1/lvs/vg0", null, "INVALID_REQUEST_BODY", 400, ExitCodes.USAGE,
            "request body is empty");
        assertRefused(client, "POST", "/v1/lvs/vg0?force=maybe", new Create("a", 1), "INVALID_ARGUMENT", 400,
            ExitCodes.USAGE, "query parameter 'force' must be true or false, got 'maybe'");
        assertRefused(client, "GET", "/v1/bug", null, "INTERNAL_ERROR", 500, ExitCodes.FAILED,
            "internal error: IllegalStateException: boom");
        assertRefused(client, "GET", "/v1/mapped", null, "INVLPRED", 409, ExitCodes.REFUSED, "no mirrors on a single PV");
        HttpReply reply = client.exchange("PUT", "/v1/lvs/vg0", null);
        assertThat(new String(reply.body(), StandardCharsets.UTF_8))
            .isEqualTo("{\"error\":{\"name\":\"METHOD_NOT_ALLOWED\",\"message\":"
                + "\"method PUT is not allowed on /v1/lvs/vg0 (allowed: POST)\"}}");
        assertThat(reply.contentType()).isEqualTo("application/json; charset=utf-8");
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void answersOversizedBody413AndMalformedRequests400(ControlTransport transport) throws Exception {
        start(transport, router(), ControlGate.OPEN);
        byte[] big = new byte[4097];
        HttpReply tooLarge = unixClient().exchange("POST", "/v1/lvs/vg0", big);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(new String(tooLarge.body(), StandardCharsets.UTF_8)).contains("\"name\":\"REQUEST_TOO_LARGE\"")
            .contains("limit of 4096 bytes");
        String malformed = RawHttp.exchange(dir.resolve("control.sock"), "GET /v1/lvs/report/all HTTP/1.1\r\n"
            + "Host: x\r\nContent-Length: banana\r\n\r\n");
        assertThat(malformed).startsWith("HTTP/1.1 400 Bad Request").contains("\"name\":\"BAD_HTTP_REQUEST\"");
    }

    /** A JSON body of {@code size} bytes (at least 20) bound to {@link Create}. */
    private static String createBody(int size) {
        return "{\"name\":\"" + "x".repeat(size - 20) + "\",\"size\":1}";
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    @Timeout(120)
    void answersBodiesOfEverySizeUpToTheLimitWholeOrSplitAcrossWrites(ControlTransport transport) throws Exception {
        int limit = ControlServer.DEFAULT_MAX_BODY_BYTES;
        start(transport, router(), ControlGate.OPEN, limit);
        for (int size : new int[] {20, 137, 1000, 1937, 2037, 2048, 2049, 4096, 65_537, 200_000, limit - 1, limit}) {
            byte[] body = createBody(size).getBytes(StandardCharsets.UTF_8);
            assertThat(body).hasSize(size);
            for (ControlClient client : List.of(unixClient(), tcpClient())) {
                HttpReply reply = client.exchange("POST", "/v1/lvs/vg0", body);
                assertThat(reply.status()).as("a %d-byte body", size).isEqualTo(200);
                assertThat(new String(reply.body(), StandardCharsets.UTF_8)).contains("\"size\":1");
            }
            String head = "POST /v1/lvs/vg0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + size + "\r\nConnection: close\r\n\r\n";
            String body1 = createBody(size);
            String split = RawHttp.exchange(dir.resolve("control.sock"), Duration.ofMillis(50), head,
                body1.substring(0, size / 2), body1.substring(size / 2));
            assertThat(split).as("a %d-byte body in two writes after the headers", size)
                .startsWith("HTTP/1.1 200 OK").contains("\"size\":1");
        }
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void answersPipelinedRequestsInOrderOnOneConnection(ControlTransport transport) throws Exception {
        start(transport, router(), ControlGate.OPEN);
        String raw = RawHttp.exchange(dir.resolve("control.sock"),
            "GET /v1/async HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /v1/lvs/vg0/lv1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /v1/lvs/report/all HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        int a = raw.indexOf("{\"async\":true}");
        int b = raw.indexOf("LV_NOT_FOUND");
        int c = raw.indexOf("{\"literal\":true}");
        assertThat(a).isPositive();
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void serializesOperationsWhileAnsweringConcurrentClientsOnBothEndpoints(ControlTransport transport) throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        ControlRouter router = router();
        router.add(HttpMethod.POST, "/v1/counter/{n}", r -> {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            Thread.yield();
            running.decrementAndGet();
            return Map.of("n", Integer.parseInt(r.pathParam("n")));
        });
        start(transport, router, ControlGate.OPEN);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                ControlClient client = i % 2 == 0 ? unixClient() : tcpClient();
                answers.add(pool.submit(() -> client.call("POST", "/v1/counter/" + n, Map.of()).get("n").asInt()));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(maxRunning.get()).as("operations ran one at a time").isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void gateRefusesOperationsButNotSystemRoutes(ControlTransport transport) throws Exception {
        start(transport, router(), () -> {
            throw new ControlException("DAEMON_STARTING", 503, "the ferry daemon is still starting; retry shortly");
        });
        assertRefused(unixClient(), "GET", "/v1/lvs/report/all", null, "DAEMON_STARTING", 503, ExitCodes.REFUSED,
            "still starting");
        assertThat(unixClient().call("GET", "/v1/async", null).get("async").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void publishesTheSocket0600AndRemovesItOnStop(ControlTransport transport) throws Exception {
        start(transport, router(), ControlGate.OPEN);
        Path socket = dir.resolve("control.sock");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString()).toList()).containsExactly("control.sock");
        }
        assertThat(server.stop(Duration.ofSeconds(5))).isTrue();
        assertThat(socket).doesNotExist();
        assertThat(server.state()).isEqualTo(ControlServer.State.STOPPED);
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void drainsARequestInFlightBeforeClosing(ControlTransport transport) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<Map<String, Object>> release = new CompletableFuture<>();
        ControlRouter router = router();
        router.addSystem(HttpMethod.GET, "/v1/slow", r -> {
            entered.countDown();
            return release;
        });
        start(transport, router, ControlGate.OPEN);
        CompletableFuture<JsonNode> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return unixClient().call("GET", "/v1/slow", null);
            } catch (ControlCallException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> {
            try {
                return server.stop(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Poll.until(Duration.ofSeconds(20), "socket removed", () -> !Files.exists(dir.resolve("control.sock")));
        assertThat(stopped).isNotDone();
        release.complete(Map.of("slow", "done"));
        assertThat(answer.get(20, TimeUnit.SECONDS).get("slow").asText()).isEqualTo("done");
        assertThat(stopped.get(20, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ControlTransport.class)
    void replacesAStaleSocketButRefusesALiveOneAndOtherFiles(ControlTransport transport) throws Exception {
        Prerequisites.require(transport != ControlTransport.EPOLL || Epoll.isAvailable(),
                "epoll is not available on this machine");
        Path socket = dir.resolve("control.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        start(transport, router(), ControlGate.OPEN);
        assertThat(unixClient().call("GET", "/v1/async", null).get("async").asBoolean()).isTrue();

        ControlServer second = new ControlServer(List.of(new ControlEndpoint.UnixSocket(socket)), router(),
            ControlGate.OPEN, transport, 4096);
        assertThatThrownBy(second::start).isInstanceOf(ControlEndpointInUseException.class)
            .hasMessage("another ferry daemon is already listening on " + socket);
        assertThat(second.state()).isEqualTo(ControlServer.State.STOPPED);
        assertThat(unixClient().call("GET", "/v1/async", null).get("async").asBoolean()).isTrue();

        Path regular = Files.writeString(dir.resolve("notes.txt"), "keep me");
        ControlServer third = new ControlServer(List.of(new ControlEndpoint.UnixSocket(regular)), router(),
            ControlGate.OPEN, transport, 4096);
        assertThatThrownBy(third::start).isInstanceOf(ControlEndpointInUseException.class)
            .hasMessage(regular + " exists and is not a socket; refusing to replace it");
        assertThat(regular).hasContent("keep me");
    }

    private static void assertRefused(ControlClient client, String method, String path, Object body, String name,
                                      int status, int exitCode, String messagePart) {
        assertThatThrownBy(() -> client.call(method, path, body))
            .isInstanceOfSatisfying(ControlCallException.class, e -> {
                assertThat(e.errorName()).isEqualTo(name);
                assertThat(e.httpStatus()).isEqualTo(status);
                assertThat(e.exitCode()).isEqualTo(exitCode);
                assertThat(e.getMessage()).contains(messagePart);
            });
    }
}
