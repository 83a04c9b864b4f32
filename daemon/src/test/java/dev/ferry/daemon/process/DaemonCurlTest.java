package dev.ferry.daemon.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.control.ControlException;
import dev.ferry.daemon.control.ControlToken;
import dev.ferry.daemon.testing.Curl;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real curl against an in-JVM daemon, over its Unix socket and its loopback TCP port (with the control token the
 * daemon wrote, or refused without it).
 */
class DaemonCurlTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private DaemonProcess daemon;
    private String socket;
    private String tcpBase;

    @BeforeEach
    void start() throws Exception {
        Curl.assumeInstalled();
        DaemonConfig defaults = DaemonConfig.defaults(dir.resolve("data"));
        DaemonConfig config = new DaemonConfig(defaults.dataDir(), defaults.nbdListen(), defaults.controlSocket(),
            Optional.of((ControlEndpoint.LoopbackTcp) ControlEndpoint.parse("127.0.0.1:0")), Optional.empty(), 1,
            defaults.shutdownTimeout());
        daemon = DaemonProcess.builder(config).maxBodyBytes(1024).routes(r -> {
            r.add(HttpMethod.POST, "/v1/vgs/{vg}", req -> Map.of("vg", req.pathParam("vg"), "body", req.bodyAsMap()));
            r.add(HttpMethod.GET, "/v1/vgs/{vg}", req -> {
                throw new ControlException("VG_NOT_FOUND", 404, "volume group " + req.pathParam("vg") + " not found");
            });
        }).build();
        daemon.start();
        socket = config.controlSocket().path().toString();
        tcpBase = "http://127.0.0.1:" + daemon.controlServer().tcpAddress().orElseThrow().getPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.stop("test over");
        }
    }

    @Test
    void curlGetsVersionHealthAndJsonAnswersOverTheUnixSocketAndTcp() throws Exception {
        Curl.Result version = Curl.run("--unix-socket", socket, "http://localhost/v1/version");
        assertThat(version.status()).isEqualTo(200);
        assertThat(version.contentType()).isEqualTo("application/json; charset=utf-8");
        JsonNode v = JSON.readTree(version.body());
        assertThat(v.get("name").asText()).isEqualTo("ferry");
        assertThat(v.get("version").asText()).isEqualTo(BuildInfo.version()).isNotEqualTo("unknown");
        assertThat(v.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());

        Path tokenFile = dir.resolve("data").resolve(ControlToken.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
        String token = Files.readString(tokenFile).strip();
        assertThat(token).matches("[0-9a-f]{64}");
        Curl.Result health = Curl.run("-H", "Authorization: Bearer " + token, tcpBase + "/v1/health");
        assertThat(JSON.readTree(health.body()).get("state").asText()).isEqualTo("RUNNING");

        Curl.Result created = Curl.run("--unix-socket", socket, "-X", "POST", "-H", "Content-Type: application/json",
            "--data", "{\"pvs\":[\"/tmp/a\"]}", "http://localhost/v1/vgs/vg0");
        assertThat(created.status()).isEqualTo(200);
        assertThat(JSON.readTree(created.body())).isEqualTo(JSON.readTree("{\"vg\":\"vg0\",\"body\":{\"pvs\":[\"/tmp/a\"]}}"));
    }

    @Test
    void tcpWithoutTheTokenIsRefused401AndChangesNothing() throws Exception {
        for (String[] auth : List.of(new String[0], new String[] {"-H", "Authorization: Bearer 00"},
                new String[] {"-H", "Authorization: Basic cm9vdDpyb290"})) {
            List<String> args = new ArrayList<>(List.of(auth));
            args.addAll(List.of("-X", "POST", "-H", "Content-Type: application/json", "--data", "{\"pvs\":[]}",
                tcpBase + "/v1/vgs/vg0"));
            Curl.Result refused = Curl.run(args.toArray(String[]::new));
            assertThat(refused.status()).as("curl %s", args).isEqualTo(401);
            assertThat(JSON.readTree(refused.body()).at("/error/name").asText()).isEqualTo("UNAUTHORIZED");
            assertThat(JSON.readTree(refused.body()).at("/error/message").asText())
                .contains("Authorization: Bearer TOKEN", ControlToken.FILE_NAME);
        }
        Curl.Result viaSocket = Curl.run("--unix-socket", socket, "http://localhost/v1/health");
        assertThat(viaSocket.status()).isEqualTo(200);
    }

    @Test
    void curlSeesErrorNamesFor404And405And413AndBadJson() throws Exception {
        Curl.Result missing = Curl.run("--unix-socket", socket, "http://localhost/v1/vgs/vg9");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"error\":{\"name\":\"VG_NOT_FOUND\",\"message\":\"volume group vg9 not found\"}}");
        Curl.Result noRoute = Curl.run("--unix-socket", socket, "http://localhost/v2/anything");
        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(JSON.readTree(noRoute.body()).at("/error/name").asText()).isEqualTo("NO_SUCH_ENDPOINT");
        Curl.Result wrongMethod = Curl.run("--unix-socket", socket, "-X", "DELETE", "http://localhost/v1/vgs/vg0");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(JSON.readTree(wrongMethod.body()).at("/error/name").asText()).isEqualTo("METHOD_NOT_ALLOWED");
        Curl.Result headers = Curl.run("--unix-socket", socket, "-X", "DELETE", "-o", "/dev/null", "-D", "-",
            "http://localhost/v1/vgs/vg0");
        assertThat(headers.body()).containsIgnoringCase("allow: GET, POST");
        Path big = Files.write(dir.resolve("big.json"), new byte[2048]);
        Curl.Result tooLarge = Curl.run("--unix-socket", socket, "-X", "POST", "-H", "Expect:",
            "--data-binary", "@" + big, "http://localhost/v1/vgs/vg0");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(JSON.readTree(tooLarge.body()).at("/error/name").asText()).isEqualTo("REQUEST_TOO_LARGE");
        Curl.Result badJson = Curl.run("--unix-socket", socket, "-X", "POST", "--data", "{\"pvs\":", "http://localhost/v1/vgs/vg0");
        assertThat(badJson.status()).isEqualTo(400);
        assertThat(JSON.readTree(badJson.body()).at("/error/name").asText()).isEqualTo("INVALID_REQUEST_BODY");
    }

    @Test
    void curlScrapesPrometheusMetricsWithJvmAndNettyMeters() throws Exception {
        Curl.Result text = Curl.run("--unix-socket", socket, "http://localhost/metrics");
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(text.body()).contains("# TYPE jvm_memory_used_bytes gauge", "jvm_threads_live_threads",
            "system_cpu_count", "process_uptime_seconds", "netty_eventexecutor_tasks_pending",
            "netty_allocator_memory_used");
        Curl.Result open = Curl.run("--unix-socket", socket, "-H", "Accept: application/openmetrics-text", "http://localhost/metrics");
        assertThat(open.contentType()).startsWith("application/openmetrics-text");
        assertThat(open.body().strip()).endsWith("# EOF");
    }

    @Test
    void curlShutsTheDaemonDownAndGetsTheStopReport() throws Exception {
        Curl.Result stop = Curl.run("--unix-socket", socket, "-X", "POST", "http://localhost/v1/shutdown");
        assertThat(stop.status()).isEqualTo(200);
        JsonNode report = JSON.readTree(stop.body());
        assertThat(report.get("state").asText()).isEqualTo("STOPPED");
        assertThat(report.get("clean").asBoolean()).isTrue();
        assertThat(daemon.awaitTermination().clean()).isTrue();
        assertThat(daemon.state()).isEqualTo(DaemonState.STOPPED);
        assertThat(Path.of(socket)).doesNotExist();
    }
}
