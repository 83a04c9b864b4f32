package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.testing.ChildJvm;
import dev.ferry.daemon.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Socket activation with real launchers: libnbd runs {@code ferry serve} as its subprocess on a Unix socket
 * ({@code nbdinfo -- [ ferry serve FILE ]}, {@code nbdcopy} copying every byte out), and systemd's
 * {@code systemd-socket-activate} hands a TCP socket to {@code ferry serve} and to {@code ferry daemon}; a
 * {@code --listen} next to a passed socket is refused with exit status 2; the shipped units in {@code scripts/systemd}
 * pass {@code systemd-analyze verify} without a warning.
 */
class SocketActivationProcessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void libnbdRunsServeAsItsSubprocessOverAUnixSocket() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo", "nbdcopy");
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 8 * MIB + 4096);
        TestFiles.writeRandom(file, 3 * MIB, 64 * 1024, 7);

        ExternalTool.Result size = ExternalTool.run(TIMEOUT, bracketed(List.of("nbdinfo", "--size"), file));
        assertThat(size.assertSuccess().stdout().trim()).isEqualTo(String.valueOf(8 * MIB + 4096));

        Path copy = dir.resolve("copy.img");
        ExternalTool.run(TIMEOUT, bracketed(List.of("nbdcopy"), file, copy.toString())).assertSuccess();
        assertThat(TestFiles.sha256(copy)).isEqualTo(TestFiles.sha256(file));
    }

    @Test
    void systemdHandsServeATcpSocket() throws Exception {
        ExternalTool.assumeInstalled("systemd", "systemd-socket-activate");
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
        Path file = TestFiles.sparse(dir.resolve("tcp.img"), 4 * MIB);
        int port = ChildJvm.freePort();
        Process activator = activate(port, List.of("serve", file.toString(), "--name", "tcp"));
        try {
            ExternalTool.Result size = ExternalTool.run(TIMEOUT, "nbdinfo", "--size",
                    "nbd://127.0.0.1:" + port + "/tcp");
            assertThat(size.assertSuccess().stdout().trim()).isEqualTo(String.valueOf(4 * MIB));
        } finally {
            stop(activator);
        }
        assertThat(Files.readString(dir.resolve("activated.log"))).contains("inherited fd 3 (tcp)");
    }

    @Test
    void systemdHandsTheDaemonItsNbdSocket() throws Exception {
        ExternalTool.assumeInstalled("systemd", "systemd-socket-activate");
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
        int port = ChildJvm.freePort();
        Path data = dir.resolve("data");
        Process activator = activate(port, List.of("daemon", "--data-dir", data.toString()));
        try {
            ExternalTool.Result list = ExternalTool.run(TIMEOUT, "nbdinfo", "--list", "nbd://127.0.0.1:" + port);
            assertThat(list.exitCode()).as(list.describe()).isIn(0, 1);
            assertThat(list.stderr()).doesNotContain("connection refused").doesNotContain("Connection refused");
            assertThat(Files.readString(dir.resolve("activated.log"))).contains("inherited fd 3 (tcp)");
        } finally {
            stop(activator);
        }
    }

    @Test
    void listenNextToAPassedSocketIsAUsageError() throws Exception {
        ExternalTool.assumeInstalled("systemd", "systemd-socket-activate");
        Path file = TestFiles.sparse(dir.resolve("conflict.img"), MIB);
        int port = ChildJvm.freePort();
        Process activator = activate(port, List.of("serve", file.toString(), "--listen", "127.0.0.1:1"));
        try {
            new java.net.Socket("127.0.0.1", port).close();   // a connection makes systemd-socket-activate start it
            assertThat(activator.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(activator.exitValue()).isEqualTo(ExitCodes.USAGE);
        } finally {
            stop(activator);
        }
        assertThat(Files.readString(dir.resolve("activated.log")))
                .contains("--listen 127.0.0.1:1 conflicts with the socket passed by socket activation");
    }

    @Test
    void shippedSystemdUnitsVerifyClean() throws Exception {
        ExternalTool.assumeInstalled("systemd", "systemd-analyze");
        Path units = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts/systemd");
        Path ferry = units.resolve("../ferry").normalize();
        Files.writeString(dir.resolve("ferry.service"), Files.readString(units.resolve("ferry.service"))
                .replace("/opt/ferry/scripts/ferry", ferry.toString()));
        Files.copy(units.resolve("ferry.socket"), dir.resolve("ferry.socket"));
        ExternalTool.Result verify = ExternalTool.run(TIMEOUT, "systemd-analyze", "verify", "--man=no",
                dir.resolve("ferry.socket").toString(), dir.resolve("ferry.service").toString());
        assertThat(verify.assertSuccess().stderr()).as(verify.describe()).isEmpty();
        assertThat(Files.readString(units.resolve("ferry.socket"))).contains("FileDescriptorName=nbd");
    }

    /** {@code tool... -- [ ferry serve FILE ] rest...}: libnbd's syntax for a server run as its subprocess. */
    private static String[] bracketed(List<String> tool, Path file, String... rest) {
        List<String> cmd = new ArrayList<>(tool);
        cmd.add("--");
        cmd.add("[");
        // The subprocess shares the tool's stdout: log as the shipped configuration does, to stderr.
        List<String> jvm = new ArrayList<>(ChildJvm.FAST_START);
        jvm.add("-Dlogback.configurationFile=logback.xml");
        cmd.addAll(ChildJvm.ferryCommand(jvm, List.of("serve", file.toString())));
        cmd.add("]");
        cmd.addAll(List.of(rest));
        return cmd.toArray(String[]::new);
    }

    /** {@code systemd-socket-activate -l 127.0.0.1:PORT ferry ARGS}, its output in {@code activated.log}. */
    private Process activate(int port, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ExternalTool.find("systemd-socket-activate").toString(),
                "-l", "127.0.0.1:" + port));
        cmd.addAll(ChildJvm.ferryCommand(ChildJvm.FAST_START, args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("activated.log").toFile())).start();
        awaitListening(p, port);
        return p;
    }

    /** Waits until systemd-socket-activate listens (it says so), so the first connection is queued, not refused. */
    private void awaitListening(Process p, int port) throws IOException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Path log = dir.resolve("activated.log");
        while (!(Files.exists(log) && Files.readString(log).contains("127.0.0.1:" + port))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("systemd-socket-activate did not listen on " + port + ":\n"
                        + (Files.exists(log) ? Files.readString(log) : "(no output)"));
            }
            Thread.onSpinWait();
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
