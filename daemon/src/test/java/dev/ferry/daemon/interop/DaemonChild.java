package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildJvm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.Main;
import dev.ferry.daemon.testing.ChildJvm;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * A real {@code ferry daemon --data-dir DIR --listen 127.0.0.1:PORT} child JVM (a {@link ServeProcess} owned by
 * {@link ServeProcesses}), driven by the {@code ferry} thin-client commands run in this JVM against its control
 * socket.
 */
final class DaemonChild {
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServeProcess process;
    private final Path dataDir;

    /** What a {@code ferry} command printed and returned. */
    record Run(List<String> args, int exit, String out, String err) {
        /** Fails with the output unless the command exited 0. */
        Run assertSuccess() {
            assertThat(exit).as("ferry %s\n--- stdout\n%s--- stderr\n%s", String.join(" ", args), out, err).isZero();
            return this;
        }
    }

    private DaemonChild(ServeProcess process, Path dataDir) {
        this.process = process;
        this.dataDir = dataDir;
    }

    /**
     * Starts a daemon on {@code dataDir} with extra JVM options (e.g. {@code -Dferry.test...}) and waits until it
     * serves NBD, which it does only after the volume layer has opened and activated everything; PV files may lie
     * under the data directory's parent.
     */
    static DaemonChild start(ServeProcesses owner, Path dataDir, Path logDir, String... jvmOptions) {
        int port = ServeProcess.freePort();
        List<String> options = new ArrayList<>(ChildJvm.FAST_START);   // these tests restart the daemon often
        options.addAll(List.of(jvmOptions));
        ServeProcess p = owner.own(ServeProcess.launch(logDir, port, "", options, List.of("daemon",
                "--data-dir", dataDir.toString(), "--listen", "127.0.0.1:" + port,
                "--allow-path", dataDir.getParent().toString())));
        p.awaitListening();
        return new DaemonChild(p, dataDir);
    }

    /** Runs {@code ferry ARGS... --control DATA_DIR/control.sock} in this JVM. */
    Run ferry(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--control", dataDir.resolve("control.sock").toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int exit = cl.execute(all.toArray(String[]::new));
        return new Run(all, exit, out.toString(), err.toString());
    }

    /** Runs a report command with {@code --reportformat json} and returns the parsed document. */
    JsonNode report(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--reportformat", "json"));
        Run r = ferry(all.toArray(String[]::new)).assertSuccess();
        try {
            return JSON.readTree(r.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The NBD URI of {@code export}. */
    String uri(String export) {
        return "nbd://127.0.0.1:" + process.port() + "/" + export;
    }

    /** SIGKILL, then waits for the process to be gone. */
    void kill9() {
        process.close();
        assertThat(process.isAlive()).isFalse();
    }

    /** Waits for the process to exit by itself and returns its status. */
    int awaitExit() {
        return process.awaitExit(STOP_DEADLINE);
    }

    /** Everything the process printed so far. */
    String log() {
        return process.log();
    }
}
