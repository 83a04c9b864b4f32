package dev.ferry.daemon.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import dev.ferry.daemon.testing.ChildJvm;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ferry daemon} refuses bad configuration with exit 2 before touching anything, and a listen address in use
 * with exit 7 and one line naming it.
 */
class DaemonCommandTest {
    @TempDir
    Path dir;

    private String[] run(String... args) {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new DaemonCommand()).setErr(new PrintWriter(err)).execute(args);
        return new String[] {Integer.toString(exit), err.toString()};
    }

    @Test
    void nonLoopbackControlEndpointIsRefusedWithExitTwo() {
        String[] r = run("--data-dir", dir.resolve("d").toString(), "--control", "0.0.0.0:7000");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).startsWith("ferry daemon: --control: control endpoint 0.0.0.0:7000 is not a loopback address");
        assertThat(dir.resolve("d")).doesNotExist();
    }

    @Test
    void aTakenNbdPortStopsTheDaemonWithOneLineNamingItAndExitSeven() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path log = dir.resolve("daemon.log");
            Process daemon = ChildJvm.start(List.of("daemon", "--data-dir", dir.resolve("d").toString(), "--listen",
                "127.0.0.1:" + taken.getLocalPort()), Map.of(), log);
            boolean exited = daemon.waitFor(60, TimeUnit.SECONDS);
            daemon.destroyForcibly();
            assertThat(exited).as("the daemon exits").isTrue();
            String output = Files.readString(log);
            assertThat(daemon.exitValue()).as(output).isEqualTo(7);
            assertThat(output).contains("ferry daemon: cannot start: an address it listens on is in use by another "
                + "process: NBD 127.0.0.1:" + taken.getLocalPort() + " (choose another with --listen HOST:PORT, "
                + "--control or --metrics)").doesNotContain("\tat ");
        }
    }

    @Test
    void aDataDirectoryThatCannotBeMadeIsOneLineAndExitSeven() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        Path log = dir.resolve("daemon.log");
        Process daemon = ChildJvm.start(List.of("daemon", "--data-dir", file.resolve("data").toString(), "--listen",
            "127.0.0.1:0"), Map.of(), log);
        assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("the daemon exits").isTrue();
        String output = Files.readString(log);
        assertThat(daemon.exitValue()).as(output).isEqualTo(7);
        assertThat(output).contains("ferry daemon: cannot start: data directory " + file.resolve("data") + ": ")
            .doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("stop already in progress");
    }

    @Test
    void malformedListenAddressIsRefusedWithExitTwo() {
        String[] r = run("--data-dir", dir.resolve("d").toString(), "--listen", "nbd-port");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).isEqualTo("ferry daemon: --listen: expected HOST:PORT with PORT 0..65535, got 'nbd-port'"
            + System.lineSeparator());
    }
}
