package dev.ferry.daemon.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ferry daemon} refuses bad configuration with exit 2 before touching anything. */
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
    void malformedListenAddressIsRefusedWithExitTwo() {
        String[] r = run("--data-dir", dir.resolve("d").toString(), "--listen", "nbd-port");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).isEqualTo("ferry daemon: --listen: expected HOST:PORT with PORT 0..65535, got 'nbd-port'"
            + System.lineSeparator());
    }
}
