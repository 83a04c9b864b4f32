package dev.ferry.daemon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code nbdkit} serving one plugin in the foreground, on a free loopback TCP port or on a Unix socket, its
 * output in a log file: for tests whose PVs are remote exports. It can be killed with SIGKILL and started again on
 * the same port or socket with other arguments (a shrunk file, another disk).
 */
public final class NbdkitServer implements LoggedProcess {

    private static final Duration START_DEADLINE = Duration.ofSeconds(30);

    private final Path logDir;
    private final int port;
    private final Path socket;
    private final List<Path> logs = new ArrayList<>();
    private Process process;

    private NbdkitServer(Path logDir, int port, Path socket) {
        this.logDir = logDir;
        this.port = port;
        this.socket = socket;
    }

    /** Skips the calling test (fails it when every test must run) unless nbdkit is installed. */
    public static void assumeInstalled() {
        ExternalTool.assumeInstalled("nbdkit", "nbdkit");
    }

    /** Starts {@code nbdkit -f -i 127.0.0.1 -p PORT PLUGIN-ARGS...} on a free port and waits until it listens. */
    public static NbdkitServer tcp(Path logDir, String... pluginArgs) {
        NbdkitServer s = new NbdkitServer(logDir, ChildJvm.freePort(), null);
        return s.startAgain(pluginArgs);
    }

    /** Starts {@code nbdkit -f -U SOCKET PLUGIN-ARGS...} and waits until it listens. */
    public static NbdkitServer unix(Path logDir, Path socket, String... pluginArgs) {
        return new NbdkitServer(logDir, 0, socket).startAgain(pluginArgs);
    }

    /** Starts nbdkit again (after {@link #kill9}) on the same port or socket with {@code pluginArgs}. */
    public NbdkitServer startAgain(String... pluginArgs) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("nbdkit pid " + process.pid() + " still running");
        }
        List<String> command = new ArrayList<>(List.of(ExternalTool.find("nbdkit").toString(), "-f"));
        if (socket != null) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            command.addAll(List.of("-U", socket.toString()));
        } else {
            command.addAll(List.of("-i", "127.0.0.1", "-p", Integer.toString(port)));
        }
        command.addAll(List.of(pluginArgs));
        Path log = logDir.resolve("nbdkit-" + (socket != null ? socket.getFileName() : port) + "-" + (logs.size() + 1)
                + ".log");
        logs.add(log);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Poll.until(START_DEADLINE, "nbdkit to listen", () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("nbdkit exited with " + process.exitValue());
                }
                return accepts();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + log(), e);
        }
        return this;
    }

    private boolean accepts() {
        if (socket != null) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                return ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException notYet) {
                return false;
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The NBD URI of {@code export} on this server ({@code nbd://127.0.0.1:PORT/EXPORT} or {@code nbd+unix}). */
    public String uri(String export) {
        return socket != null ? "nbd+unix:///" + export + "?socket=" + socket : "nbd://127.0.0.1:" + port + "/" + export;
    }

    /** SIGKILLs nbdkit and waits until it is gone. */
    public void kill9() {
        LoggedProcess.kill(process);
    }

    /** Whether nbdkit runs. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    @Override
    public String log() {
        StringBuilder b = new StringBuilder();
        for (Path log : logs) {
            b.append("--- nbdkit log ").append(log).append('\n');
            try {
                String text = Files.readString(log);
                b.append(text.length() > 20_000 ? text.substring(text.length() - 20_000) : text);
            } catch (IOException e) {
                b.append("unreadable: ").append(e).append('\n');
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        if (process != null) {
            LoggedProcess.kill(process);
        }
    }
}
