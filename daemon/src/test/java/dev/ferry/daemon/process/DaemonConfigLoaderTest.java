package dev.ferry.daemon.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.control.ControlEndpoint;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration precedence (command line over file over defaults), the file's keys, and precise errors. */
class DaemonConfigLoaderTest {
    @TempDir
    Path dir;

    private static DaemonConfigLoader.CommandLine cli(Path file, Path dataDir, String listen, List<String> control) {
        return new DaemonConfigLoader.CommandLine(file, dataDir, listen, control);
    }

    @Test
    void defaultsApplyWhenNothingIsGiven() throws Exception {
        DaemonConfig c = DaemonConfigLoader.load(cli(null, null, null, null), dir.resolve("default"));
        assertThat(c.dataDir()).isEqualTo(dir.resolve("default"));
        assertThat(c.nbdListen()).isEqualTo(new InetSocketAddress("127.0.0.1", 10809));
        assertThat(c.controlSocket().path()).isEqualTo(dir.resolve("default/control.sock"));
        assertThat(c.controlTcp()).isEmpty();
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void fileOverridesDefaultsWithPathsRelativeToTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("ferry.conf"), String.join("\n",
            "# a comment",
            "data-dir = state",
            "listen = 127.0.0.2:10900",
            "control = sockets/ctl.sock, 127.0.0.1:7070",
            "log-level = debug",
            "io-threads = 3",
            "shutdown-timeout = 2m"));
        DaemonConfig c = DaemonConfigLoader.load(cli(file, null, null, null), dir.resolve("default"));
        assertThat(c.dataDir()).isEqualTo(dir.resolve("state"));
        assertThat(c.nbdListen()).isEqualTo(new InetSocketAddress("127.0.0.2", 10900));
        assertThat(c.controlSocket().path()).isEqualTo(dir.resolve("sockets/ctl.sock"));
        assertThat(c.controlTcp().map(ControlEndpoint::describe)).contains("127.0.0.1:7070");
        assertThat(c.logLevel()).contains("DEBUG");
        assertThat(c.ioThreads()).isEqualTo(3);
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void aUnixListenAddressIsAPathRelativeToWhereItWasGiven() throws Exception {
        Path file = Files.writeString(dir.resolve("ferry.conf"), "listen = unix:run/nbd.sock\n");
        DaemonConfig fromFile = DaemonConfigLoader.load(cli(file, null, null, null), dir.resolve("default"));
        assertThat(fromFile.nbdSocket()).contains(dir.resolve("run/nbd.sock"));
        assertThat(fromFile.describeNbdListen()).isEqualTo("unix:" + dir.resolve("run/nbd.sock"));
        DaemonConfig fromCli = DaemonConfigLoader.load(cli(file, null, "unix:/run/ferry/nbd.sock", null),
            dir.resolve("default"));
        assertThat(fromCli.nbdSocket()).contains(Path.of("/run/ferry/nbd.sock"));
        DaemonConfig tcp = DaemonConfigLoader.load(cli(file, null, "127.0.0.1:0", null), dir.resolve("default"));
        assertThat(tcp.nbdSocket()).isEmpty();
        assertThatThrownBy(() -> DaemonConfigLoader.load(cli(null, null, "unix:", null), dir))
            .isInstanceOf(DaemonConfigException.class).hasMessage("--listen: expected unix:PATH, got 'unix:'");
    }

    @Test
    void commandLineOverridesTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("ferry.conf"),
            "data-dir = /from/file\nlisten = 127.0.0.2:1\ncontrol = 127.0.0.1:7070\n");
        DaemonConfig c = DaemonConfigLoader.load(cli(file, dir.resolve("cli"), "0.0.0.0:10809",
            List.of("127.0.0.1:9000")), dir.resolve("default"));
        assertThat(c.dataDir()).isEqualTo(dir.resolve("cli"));
        assertThat(c.nbdListen()).isEqualTo(new InetSocketAddress("0.0.0.0", 10809));
        assertThat(c.controlTcp().map(ControlEndpoint::describe)).contains("127.0.0.1:9000");
        assertThat(c.controlSocket().path()).isEqualTo(dir.resolve("cli/control.sock"));
        assertThat(c.controlEndpoints()).extracting(ControlEndpoint::describe)
            .containsExactly(dir.resolve("cli/control.sock").toString(), "127.0.0.1:9000");
    }

    @Test
    void accessOptionsComeFromTheFileAndTheCommandLineAddsAllowedDirectories() throws Exception {
        Path file = Files.writeString(dir.resolve("ferry.conf"), "control-group = root\nallow-path = pvs, /srv/ferry\n");
        DaemonConfig fromFile = DaemonConfigLoader.load(cli(file, null, null, null), dir.resolve("default"));
        assertThat(fromFile.policy().controlGroup()).contains(new AccessSettings.ControlGroup("root", 0));
        assertThat(fromFile.policy().allowPaths()).containsExactly(dir.resolve("pvs"), Path.of("/srv/ferry"));

        DaemonConfig both = DaemonConfigLoader.load(new DaemonConfigLoader.CommandLine(file, null, null, null, "root",
            List.of(Path.of("/mnt/disks"))), dir.resolve("default"));
        assertThat(both.policy().allowPaths()).containsExactly(dir.resolve("pvs"), Path.of("/srv/ferry"),
            Path.of("/mnt/disks"));
        assertThat(DaemonConfigLoader.load(cli(null, null, null, null), dir).policy()).isEqualTo(AccessSettings.DEFAULT);

        assertThatThrownBy(() -> DaemonConfigLoader.load(new DaemonConfigLoader.CommandLine(null, null, null, null,
            "no-such-group-ferry", null), dir)).isInstanceOf(DaemonConfigException.class)
            .hasMessage("--control-group: no group named 'no-such-group-ferry'");
    }

    @Test
    void badValuesAreRefusedNamingKeyAndSource() throws Exception {
        Path file = dir.resolve("ferry.conf");
        Map<String, String> cases = Map.of(
            "colour = blue", "unknown key 'colour' in config file " + file
                + " (known keys: allow-path, control, control-group, data-dir, io-threads, listen, log-level, shutdown-timeout)",
            "io-threads = 0", "'io-threads' in config file " + file + ": expected a positive integer, got '0'",
            "shutdown-timeout = soon", "'shutdown-timeout' in config file " + file
                + ": expected a positive duration such as 500ms, 30s or 2m, got 'soon'",
            "log-level = loud", "'log-level' in config file " + file
                + " must be one of [DEBUG, ERROR, INFO, TRACE, WARN], got 'loud'",
            "listen = 10809", "'listen' in config file " + file + ": expected HOST:PORT with PORT 0..65535, got '10809'",
            "control = 0.0.0.0:7000", "'control' in config file " + file + ": control endpoint 0.0.0.0:7000 is not a"
                + " loopback address: the control API must never be reachable from other hosts; use 127.0.0.1:PORT,"
                + " [::1]:PORT, localhost:PORT or a Unix socket path",
            "control = /a.sock, /b.sock", "'control' in config file " + file + ": more than one Unix socket path given");
        for (Map.Entry<String, String> e : cases.entrySet()) {
            Files.writeString(file, e.getKey() + "\n");
            assertThatThrownBy(() -> DaemonConfigLoader.load(cli(file, null, null, null), dir))
                .as(e.getKey()).isInstanceOf(DaemonConfigException.class).hasMessage(e.getValue());
        }
        assertThatThrownBy(() -> DaemonConfigLoader.load(cli(null, null, null, List.of("10.1.1.1:80")), dir))
            .hasMessageStartingWith("--control: control endpoint 10.1.1.1:80 is not a loopback address");
        assertThatThrownBy(() -> DaemonConfigLoader.load(cli(dir.resolve("missing.conf"), null, null, null), dir))
            .hasMessageStartingWith("cannot read config file " + dir.resolve("missing.conf"));
    }
}
