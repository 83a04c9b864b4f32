package dev.ferry.daemon.interop;

import dev.ferry.daemon.testing.ChildJvm;
import dev.ferry.daemon.testing.LoggedProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code ferry} process ({@code serve} or {@code daemon}): a child JVM running {@link Main} on the test
 * class path, listening on a free loopback port, its output captured in a log file.
 */
final class ServeProcess implements LoggedProcess {

    private static final Duration START_DEADLINE = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final String exportName;
    private final Path log;

    private ServeProcess(Process process, int port, String exportName, Path log) {
        this.process = process;
        this.port = port;
        this.exportName = exportName;
        this.log = log;
    }

    /**
     * Starts {@code ferry serve FILE --name NAME --listen 127.0.0.1:PORT extraArgs...} and waits (with a
     * deadline) until the port accepts connections.
     */
    static ServeProcess start(Path logDir, Path file, String exportName, String... extraArgs) {
        int port = freePort();
        List<String> args = new ArrayList<>(List.of("serve", file.toString(), "--name", exportName,
                "--listen", "127.0.0.1:" + port));
        args.addAll(List.of(extraArgs));
        ServeProcess serve = launch(logDir, port, exportName, args);
        serve.awaitListening();
        return serve;
    }

    /** Starts {@code ferry ARGS...} in a child JVM without waiting for anything. */
    static ServeProcess launch(Path logDir, int port, String exportName, List<String> args) {
        return launch(logDir, port, exportName, List.of(), args);
    }

    /** Starts {@code java JVM_OPTIONS... Main ARGS...} in a child JVM without waiting for anything. */
    static ServeProcess launch(Path logDir, int port, String exportName, List<String> jvmOptions,
            List<String> args) {
        Path log = logDir.resolve("ferry-" + port + "-" + System.nanoTime() + ".log");
        return new ServeProcess(ChildJvm.start(jvmOptions, args, Map.of(), log), port, exportName, log);
    }

    /** Waits (with a deadline) until the port accepts connections; fails if the process exits first. */
    ServeProcess awaitListening() {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("ferry exited with " + process.exitValue() + " before listening\n"
                        + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return this;
            } catch (IOException notYet) {
                pauseUnlessExited(Duration.ofMillis(50));
            }
        }
        process.destroyForcibly();
        throw new AssertionError("ferry did not listen on port " + port + " within " + START_DEADLINE
                + "\n" + log());
    }

    /** Waits a short poll interval; used only between checks of a condition with a deadline. */
    private void pauseUnlessExited(Duration pause) {
        try {
            process.waitFor(pause.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A loopback port nobody listened on a moment ago. */
    static int freePort() {
        return ChildJvm.freePort();
    }

    int port() {
        return port;
    }

    /** The export's URI, e.g. {@code nbd://127.0.0.1:PORT/NAME}. */
    String uri() {
        return "nbd://127.0.0.1:" + port + "/" + exportName;
    }

    /** The export's URI over TLS with libnbd's certificates directory {@code certificates}. */
    String tlsUri(Path certificates) {
        return uri().replaceFirst("^nbd://", "nbds://") + "?tls-certificates=" + certificates;
    }

    /** The process id, for signals. */
    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGTERM and waits for the exit status (fails after {@code timeout}). */
    int terminate(Duration timeout) {
        process.destroy();
        return awaitExit(timeout);
    }

    /** Waits for the process to exit by itself. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("ferry still running after " + timeout + "\n" + log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    /** Everything the process printed so far. */
    @Override
    public String log() {
        try {
            return "--- ferry log " + log + "\n" + Files.readString(log);
        } catch (IOException e) {
            return "--- ferry log " + log + " unreadable: " + e;
        }
    }

    @Override
    public void close() {
        LoggedProcess.kill(process);
    }
}
