package dev.ferry.nbd.client;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code nbdkit} process on 127.0.0.1 and a free port, for interop tests; ready once its pidfile exists. Public
 * for the daemon's interop tests (through this module's test jar).
 */
public final class NbdkitServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private NbdkitServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Whether nbdkit can be run here. */
    static boolean available() {
        try {
            Process p = new ProcessBuilder("nbdkit", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts {@code nbdkit -f -p PORT -i 127.0.0.1 <args>} on a free port and waits until it accepts connections. */
    public static NbdkitServer start(Path workDir, String... args) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return startOn(workDir, port, args);
    }

    /** Starts nbdkit as {@link #start} does, on {@code port} (e.g. the port of one that was killed). */
    static NbdkitServer startOn(Path workDir, int port, String... args) throws IOException, InterruptedException {
        Path pidFile = workDir.resolve("nbdkit-" + port + ".pid");
        Files.deleteIfExists(pidFile);
        Path log = workDir.resolve("nbdkit-" + port + ".log");
        List<String> command = new ArrayList<>(List.of("nbdkit", "-f", "--exit-with-parent", "-p",
                Integer.toString(port), "-i", "127.0.0.1", "-P", pidFile.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        NbdkitServer server = new NbdkitServer(process, port, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(pidFile) || Files.size(pidFile) == 0) {
            if (!process.isAlive()) {
                throw new IOException("nbdkit exited with " + process.exitValue() + ": " + server.logText());
            }
            if (System.nanoTime() > deadline) {
                server.close();
                throw new IOException("nbdkit did not start within 20 s: " + server.logText());
            }
            process.waitFor(10, TimeUnit.MILLISECONDS);
        }
        return server;
    }

    /** The TCP port nbdkit listens on. */
    public int port() {
        return port;
    }

    /** A client configuration for this server with the defaults. */
    NbdClientConfig.Builder config() {
        return NbdClientConfig.builder("127.0.0.1", port);
    }

    /** nbdkit's output so far. */
    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops nbdkit with SIGSTOP (a hung server) and waits until every thread of it is stopped. */
    void stop() throws IOException, InterruptedException {
        signal("STOP");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!stopped()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("nbdkit " + process.pid() + " did not stop within 10 s");
            }
            Thread.sleep(5);
        }
    }

    /** Resumes a stopped nbdkit with SIGCONT. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private boolean stopped() throws IOException {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            for (Path task : tasks.toList()) {
                if (!Files.readString(task.resolve("status")).contains("State:\tT")) {
                    return false;
                }
            }
        }
        return true;
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Kills nbdkit with SIGKILL, so it cannot answer anything still in flight. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                resume(); // a stopped nbdkit would not act on SIGTERM
            } catch (IOException e) {
                // it exited meanwhile
            }
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
