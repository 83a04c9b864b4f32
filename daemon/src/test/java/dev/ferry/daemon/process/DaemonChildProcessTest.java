package dev.ferry.daemon.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.cli.admin.ShutdownCommand;
import dev.ferry.daemon.cli.admin.VersionCommand;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.testing.ChildCds;
import dev.ferry.daemon.testing.ChildJvm;
import dev.ferry.daemon.testing.Poll;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ferry daemon} as a real child JVM: signals, the thin-client commands end to end, crashes and the lock. */
class DaemonChildProcessTest {
    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();

    /** What a CLI command printed and returned. */
    record Run(int exit, String out, String err) {
    }

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process startDaemon(Path dataDir, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve(name + ".log");
        List<String> command = new ArrayList<>(ChildJvm.DEFAULT_SIGNALS);
        command.add(java);
        command.addAll(ChildJvm.FAST_START);
        command.addAll(ChildCds.options());
        command.addAll(List.of("-cp", ChildCds.classPath(), DaemonCommand.class.getName(), "--data-dir",
            dataDir.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        children.add(p);
        return p;
    }

    private void awaitRunning(Process p, Path dataDir) {
        ControlClient client = new ControlClient(new ControlEndpoint.UnixSocket(dataDir.resolve("control.sock")),
            Duration.ofSeconds(5));
        Poll.until(Duration.ofSeconds(60), "the daemon answering health as RUNNING", () -> {
            if (!p.isAlive()) {
                throw new AssertionError("daemon exited with " + p.exitValue() + ": " + log(p));
            }
            try {
                return client.call("GET", "/v1/health", null).get("state").asText().equals("RUNNING");
            } catch (ControlCallException e) {
                return false;
            }
        });
    }

    private String log(Process p) {
        try (var files = Files.list(dir)) {
            StringBuilder b = new StringBuilder();
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                b.append(f.getFileName()).append(":\n").append(Files.readString(f));
            }
            return b.toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private int awaitExit(Process p) throws InterruptedException {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("daemon exits; log:\n%s", log(p)).isTrue();
        return p.exitValue();
    }

    private static Run cli(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void sigtermStopsCleanlyWithExitZeroAndRemovesTheSocket() throws Exception {
        Path data = dir.resolve("data");
        Process daemon = startDaemon(data, "daemon");
        awaitRunning(daemon, data);
        daemon.destroy(); // SIGTERM
        assertThat(awaitExit(daemon)).isZero();
        assertThat(data.resolve("control.sock")).doesNotExist();
        assertThat(Files.readString(data.resolve("ferry.lock"))).isEmpty();
        assertThat(log(daemon)).contains("stopping ferry daemon: received SIGTERM", "ferry daemon stopped (clean)");
    }

    @Test
    void sigintStopsCleanlyWithExitZero() throws Exception {
        Path data = dir.resolve("data");
        Process daemon = startDaemon(data, "daemon");
        awaitRunning(daemon, data);
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(daemon.pid())).start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(awaitExit(daemon)).isZero();
        assertThat(data.resolve("control.sock")).doesNotExist();
        assertThat(log(daemon)).contains("received SIGINT");
    }

    @Test
    void versionAndShutdownCommandsDriveTheDaemonEndToEnd() throws Exception {
        Path data = dir.resolve("data");
        Process daemon = startDaemon(data, "daemon");
        awaitRunning(daemon, data);
        String socket = data.resolve("control.sock").toString();

        Run version = cli(new VersionCommand(), "--control", socket);
        assertThat(version.exit()).as(version.err()).isZero();
        assertThat(version.out()).contains("ferry client " + BuildInfo.version())
            .contains("ferry daemon " + BuildInfo.version() + " (api v1, java ")
            .contains("pid " + daemon.pid() + ") at " + socket);

        Run json = cli(new VersionCommand(), "--control", "unix:" + socket, "--reportformat", "json");
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertThat(doc.at("/daemon/pid").asLong()).isEqualTo(daemon.pid());
        assertThat(doc.at("/client/version").asText()).isEqualTo(BuildInfo.version());

        Run shutdown = cli(new ShutdownCommand(), "--control", socket);
        assertThat(shutdown.exit()).as(shutdown.err()).isZero();
        assertThat(shutdown.out()).isEqualTo("ferry daemon at " + socket + " stopped" + System.lineSeparator());
        assertThat(awaitExit(daemon)).isZero();

        Run unreachable = cli(new VersionCommand(), "--control", socket);
        assertThat(unreachable.exit()).isEqualTo(5);
        assertThat(unreachable.err()).isEqualTo("version: cannot reach ferry daemon at " + socket
            + ": no such socket file (" + ControlClient.UNREACHABLE_HINT + ")" + System.lineSeparator());
    }

    @Test
    void aSecondDaemonProcessOnTheSameDataDirectoryExitsSevenNamingTheHolder() throws Exception {
        Path data = dir.resolve("data");
        Process first = startDaemon(data, "first");
        awaitRunning(first, data);
        Process second = startDaemon(data, "second");
        assertThat(awaitExit(second)).isEqualTo(7);
        assertThat(Files.readString(dir.resolve("second.log"), StandardCharsets.UTF_8)).contains(
            "ferry daemon: cannot start: data directory " + data + " is in use by another ferry daemon (pid "
                + first.pid() + "; lock file " + data.resolve("ferry.lock") + ")");
        assertThat(first.isAlive()).isTrue();
    }

    @Test
    void afterAKillNineTheStaleSocketRefusesThenTheNextDaemonReplacesIt() throws Exception {
        Path data = dir.resolve("data");
        Process crashed = startDaemon(data, "crashed");
        awaitRunning(crashed, data);
        crashed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        String socket = data.resolve("control.sock").toString();
        assertThat(Path.of(socket)).exists();

        Run refused = cli(new VersionCommand(), "--control", socket);
        assertThat(refused.exit()).isEqualTo(5);
        assertThat(refused.err()).contains("cannot reach ferry daemon at " + socket
            + ": connection refused (" + ControlClient.UNREACHABLE_HINT + ")");

        Process next = startDaemon(data, "next");
        awaitRunning(next, data);
        assertThat(log(next)).contains("removing stale control socket " + socket);
        Run shutdown = cli(new ShutdownCommand(), "--control", socket, "--no-wait");
        assertThat(shutdown.exit()).isZero();
        assertThat(shutdown.out()).contains("is stopping");
        assertThat(awaitExit(next)).isZero();
    }
}
