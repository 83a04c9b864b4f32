package dev.ferry.daemon.interop;

import dev.ferry.daemon.testing.ChildJvm;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.LoggedProcess;
import dev.ferry.daemon.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code nbdkit} in the foreground on a free loopback port ({@code --exit-with-parent}, so it never outlives
 * the test JVM), its output in a log file; for interop tests against the reference server.
 */
final class NbdkitServer implements LoggedProcess {
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);

    private final Process process;
    private final int port;
    private final Path log;

    private NbdkitServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code nbdkit -f -i 127.0.0.1 -p PORT ARGS...} (server options, then the plugin and its parameters) and
     * waits until the port accepts connections; skips the test without nbdkit.
     */
    static NbdkitServer start(Path logDir, String... args) {
        ExternalTool.assumeInstalled("nbdkit", "nbdkit");
        int port = ChildJvm.freePort();
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "-v", "--exit-with-parent", "-i", "127.0.0.1",
                "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        Path log = logDir.resolve("nbdkit-" + port + ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            NbdkitServer server = new NbdkitServer(p, port, log);
            try {
                Poll.until(START_DEADLINE, "nbdkit listening on port " + port, server::accepts);
            } catch (AssertionError e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean accepts() {
        if (!process.isAlive()) {
            throw new AssertionError("nbdkit exited with " + process.exitValue() + " before listening\n" + log());
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    int port() {
        return port;
    }

    @Override
    public String log() {
        try {
            return "--- " + log + " ---\n" + Files.readString(log);
        } catch (IOException e) {
            return "--- " + log + ": " + e + " ---";
        }
    }

    @Override
    public void close() {
        LoggedProcess.kill(process);
    }
}
