package dev.ferry.daemon.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.Main;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.ControlClientOptions;
import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdClientConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * A real {@code ferry daemon} child JVM on its own data directory and a fixed free loopback NBD port that
 * survive restarts: start and wait until healthy, run CLI commands against it (in this JVM or as child
 * processes), kill -9, restart, stop gracefully. Each start logs to its own file; {@link #log()} shows all. One
 * started {@link #startIn in a network namespace} serves NBD on a Unix socket instead, which clients in this JVM's
 * namespace can reach ({@link #nbdUri}, {@link #nbdClient} use it).
 */
public final class FerryDaemon implements LoggedProcess {

    /** How long a start may take to answer health on a loaded machine. */
    public static final Duration START_DEADLINE = Duration.ofSeconds(90);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(60);

    private final Path workDir;
    private final Path dataDir;
    private final Path controlSocket;
    private final int nbdPort;
    private final List<String> extraArgs;
    /** The host whose namespace the daemon runs in, or null for this JVM's. */
    private final NetHost host;
    private final List<String> jvmOptions;
    private final List<Path> logFiles = new ArrayList<>();
    private final List<Process> cliProcesses = new ArrayList<>();
    private Process process;

    private FerryDaemon(Path workDir, List<String> extraArgs, NetHost host, List<String> jvmOptions) {
        this.workDir = workDir;
        this.host = host;
        this.extraArgs = List.copyOf(extraArgs);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.dataDir = workDir.resolve("data");
        int control = extraArgs.indexOf("--control");
        this.controlSocket = control >= 0 && extraArgs.get(control + 1).startsWith("/")
                ? Path.of(extraArgs.get(control + 1)) : dataDir.resolve(DefaultLocations.CONTROL_SOCKET_NAME);
        this.nbdPort = ChildJvm.freePort();
    }

    /**
     * Starts a daemon on {@code workDir/data}, logging into {@code workDir}, and waits until it is RUNNING; PV and
     * table paths may lie anywhere under {@code workDir} ({@code --allow-path}).
     */
    public static FerryDaemon start(Path workDir) {
        return start(workDir, List.of());
    }

    /**
     * As {@link #start(Path)}, with {@code extraArgs} added to {@code ferry daemon}'s (at every start); a
     * {@code --control /PATH} among them moves the control socket there, and a {@code --listen} replaces the
     * daemon's loopback port (then {@link #nbdUri} and {@link #nbdClient} do not apply).
     */
    public static FerryDaemon start(Path workDir, List<String> extraArgs) {
        return start(workDir, extraArgs, List.of());
    }

    /** As {@link #start(Path, List)}, the daemon's JVM also given {@code jvmOptions} (at every start). */
    public static FerryDaemon start(Path workDir, List<String> extraArgs, List<String> jvmOptions) {
        FerryDaemon d = new FerryDaemon(workDir, extraArgs, null, jvmOptions);
        d.startAgain();
        return d;
    }

    /**
     * As {@link #start(Path, List)}, inside {@code host}'s network namespace, serving NBD on the Unix socket
     * {@code workDir/nbd.sock}.
     */
    public static FerryDaemon startIn(NetHost host, Path workDir, List<String> extraArgs) {
        FerryDaemon d = new FerryDaemon(workDir, extraArgs, host, List.of());
        d.startAgain();
        return d;
    }

    private Path nbdSocket() {
        return workDir.resolve("nbd.sock");
    }

    /** Starts the daemon (again, after {@link #kill9()} or {@link #stop()}) on the same data dir and port. */
    public FerryDaemon startAgain() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("daemon pid " + process.pid() + " still running");
        }
        Path log = workDir.resolve("daemon-" + (logFiles.size() + 1) + ".log");
        logFiles.add(log);
        List<String> args = new ArrayList<>(List.of("daemon", "--data-dir", dataDir.toString(), "--allow-path",
                workDir.toString()));
        if (!extraArgs.contains("--listen")) {
            args.addAll(List.of("--listen", host != null ? "unix:" + nbdSocket() : "127.0.0.1:" + nbdPort));
        }
        args.addAll(extraArgs);
        List<String> jvm = new ArrayList<>(ChildJvm.FAST_START);
        jvm.addAll(jvmOptions);
        process = ChildJvm.start(host != null ? host.execPrefix() : List.of(), jvm, args, Map.of(), log);
        awaitRunning();
        return this;
    }

    private void awaitRunning() {
        ControlClient client = control(Duration.ofSeconds(5));
        try {
            Poll.until(START_DEADLINE, "ferry daemon to answer health as RUNNING", () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("ferry daemon exited with " + process.exitValue() + " while starting");
                }
                try {
                    return client.call("GET", "/v1/health", null).path("state").asText().equals("RUNNING");
                } catch (ControlCallException notYet) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            process.destroyForcibly();   // not owned by the test yet when the first start fails: do not leave it
            throw new AssertionError(e.getMessage() + "\n" + log(), e);
        }
    }

    /** SIGKILLs the daemon and waits until it is gone: nothing gets a chance to clean up. */
    public void kill9() {
        process.destroyForcibly();
        awaitExit(process, STOP_DEADLINE);
    }

    /** Stops the daemon with {@code ferry shutdown} and returns its exit status (0 after a clean stop). */
    public int stop() {
        cli("shutdown").assertOk();
        return awaitExit(process, STOP_DEADLINE);
    }

    /** Stops the daemon with SIGTERM and returns its exit status (0 after a clean stop). */
    public int terminate() {
        process.destroy();
        return awaitExit(process, STOP_DEADLINE);
    }

    /** Runs {@code ferry ARGS...} in this JVM against this daemon ({@code --control} is added) and captures its output. */
    public CliResult cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        int exit = cl.execute(withControl(args).toArray(String[]::new));
        return new CliResult(List.of(args), exit, out.toString(), err.toString());
    }

    /** {@link #cli} that must exit 0. */
    public CliResult cliOk(String... args) {
        return cli(args).assertOk();
    }

    /** {@link #cli} on another thread, for commands that wait (a foreground {@code pvmove}). */
    public CompletableFuture<CliResult> cliAsync(String... args) {
        CompletableFuture<CliResult> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(cli(args));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "ferry-cli-" + String.join("-", args));
        t.setDaemon(true);
        t.start();
        return result;
    }

    /** Starts {@code ferry ARGS...} as a child process with {@code FERRY_CONTROL} naming this daemon. */
    public Process cliProcess(Path log, String... args) {
        Process p = ChildJvm.start(ChildJvm.FAST_START, List.of(args), Map.of(ControlClientOptions.ENV, controlSocket().toString()), log);
        cliProcesses.add(p);
        return p;
    }

    private List<String> withControl(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(Math.min(1, all.size()), List.of("--control", controlSocket().toString()));
        return all;
    }

    /** Calls the control API; fails the test on a transport or HTTP error. */
    public JsonNode api(String method, String target, Object body) {
        try {
            return control(Duration.ofSeconds(60)).call(method, target, body);
        } catch (ControlCallException e) {
            throw new AssertionError(method + " " + target + " failed: " + e.getMessage(), e);
        }
    }

    /** A control client for this daemon. */
    public ControlClient control(Duration timeout) {
        return new ControlClient(new ControlEndpoint.UnixSocket(controlSocket()), timeout);
    }

    /** The NBD URI of an export, e.g. {@code nbd://127.0.0.1:PORT/vg/lv}. */
    public String nbdUri(String export) {
        return host != null ? "nbd+unix:///" + export + "?socket=" + nbdSocket()
                : "nbd://127.0.0.1:" + nbdPort + "/" + export;
    }

    /** Opens an NBD connection to {@code export} (e.g. {@code vg/lv}); the caller closes it. */
    public NbdClient nbdClient(String export) {
        NbdClientConfig.Builder b = host != null ? NbdClientConfig.builder(nbdSocket())
                : NbdClientConfig.builder("127.0.0.1", nbdPort);
        return NbdClient.connect(b.exportName(export).build()).join();
    }

    /** The NBD port, the same across restarts. */
    public int nbdPort() {
        return nbdPort;
    }

    /** The data directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** The control socket: {@code --control PATH} of the extra arguments, else the data directory's. */
    public Path controlSocket() {
        return controlSocket;
    }

    /** Whether the daemon process runs. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The pid of the current daemon process. */
    public long pid() {
        return process.pid();
    }

    /** Every log of every start, oldest first. */
    @Override
    public String log() {
        StringBuilder b = new StringBuilder();
        for (Path log : logFiles) {
            b.append("--- ferry daemon log ").append(log).append('\n');
            try {
                b.append(Files.readString(log));
            } catch (IOException e) {
                b.append("unreadable: ").append(e).append('\n');
            }
        }
        return b.toString();
    }

    /** Kills the daemon and any CLI child processes still running. */
    @Override
    public void close() {
        for (Process p : cliProcesses) {
            if (p.isAlive()) {
                p.destroyForcibly();
                awaitExit(p, STOP_DEADLINE);
            }
        }
        if (process != null && process.isAlive()) {
            kill9();
        }
    }

    private static int awaitExit(Process p, Duration timeout) {
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("process " + p.pid() + " still running after " + timeout);
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
