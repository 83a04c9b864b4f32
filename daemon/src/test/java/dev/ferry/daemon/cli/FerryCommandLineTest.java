package dev.ferry.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line's answers to bad usage (exit status 2 and a message saying exactly what is wrong) and to
 * {@code --help} on every command.
 */
class FerryCommandLineTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();
    private final StringWriter out = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(out, true));
        return cli.execute(args);
    }

    @Test
    void everyCommandAtEveryDepthAnswersHelpWithItsUsageAndNoWarning() {
        List<CommandLine> all = new ArrayList<>();
        collect(Main.commandLine(), all);
        assertThat(all).hasSizeGreaterThan(30);
        for (CommandLine command : all) {
            String name = command.getCommandSpec().qualifiedName();
            List<String> path = new ArrayList<>(List.of(name.split(" ")));
            path.remove(0);
            for (String help : List.of("--help", "-h")) {
                out.getBuffer().setLength(0);
                err.getBuffer().setLength(0);
                List<String> args = new ArrayList<>(path);
                args.add(help);
                assertThat(run(args.toArray(String[]::new))).as("%s %s", name, help).isZero();
                assertThat(out.toString()).as("%s %s", name, help).contains("Usage: " + name + " ");
                assertThat(err.toString()).as("%s %s", name, help).isEmpty();
            }
        }
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }

    @Test
    void missingFileWithoutSizeIsAUsageError() {
        Path missing = dir.resolve("nope.img");
        assertThat(run("serve", missing.toString(), "--listen", "127.0.0.1:0")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("ferry serve: " + missing
                + ": no such file (pass --size SIZE to create it as a sparse file)" + System.lineSeparator());
        assertThat(missing).doesNotExist();
    }

    @Test
    void missingParentDirectoryIsAUsageError() {
        Path missing = dir.resolve("no-dir/disk.img");
        assertThat(run("serve", missing.toString(), "--size", "1M", "--listen", "127.0.0.1:0")).isEqualTo(2);
        assertThat(err.toString()).contains("directory " + dir.resolve("no-dir") + " does not exist");
    }

    @Test
    void directoryIsAUsageError() {
        assertThat(run("serve", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(dir + ": is a directory");
    }

    @Test
    void garbageSizeNamesTheOptionAndTheSyntax() throws Exception {
        Path file = Files.createFile(dir.resolve("d.img"));
        assertThat(run("serve", file.toString(), "--size", "12Q")).isEqualTo(2);
        assertThat(err.toString()).startsWith("ferry serve: Invalid value for option '--size': invalid size '12Q': "
                + "unknown unit 'Q'").contains("Try 'ferry serve --help'");
    }

    @Test
    void badListenAddressAndTransportAreUsageErrors() {
        assertThat(run("serve", "--listen", "localhost")).isEqualTo(2);
        assertThat(err.toString()).contains("invalid listen address 'localhost': expected HOST:PORT");
        assertThat(run("serve", "--transport", "carrier-pigeon")).isEqualTo(2);
        assertThat(err.toString()).contains("carrier-pigeon").contains("--transport");
    }

    @Test
    void badAccessRulesStopServeAndDaemonNamingTheLine() throws Exception {
        Path rules = Files.writeString(dir.resolve("access.rules"), "# rules\nvg0/* rx any\n");
        Path file = dir.resolve("d.img");
        assertThat(run("serve", file.toString(), "--size", "1M", "--listen", "127.0.0.1:0", "--access-rules",
                rules.toString())).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("ferry serve: " + rules + " line 2: unknown grant 'rx' (expected rw, ro "
                + "or deny)" + System.lineSeparator());
        assertThat(file).doesNotExist();
        err.getBuffer().setLength(0);
        assertThat(run("daemon", "--data-dir", dir.resolve("data").toString(), "--access-rules", rules.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).isEqualTo("ferry daemon: " + rules + " line 2: unknown grant 'rx' (expected rw, "
                + "ro or deny)" + System.lineSeparator());
    }

    @Test
    void certificateSubjectRulesNeedVerifiedClientCertificates() throws Exception {
        Path rules = Files.writeString(dir.resolve("access.rules"), "* rw subject CN=backup\n");
        assertThat(run("serve", dir.resolve("d.img").toString(), "--size", "1M", "--access-rules", rules.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains(rules + " names certificate subjects, which need --tls-verify-peer");
    }

    @Test
    void unknownOptionsAndCommandsAreUsageErrors() {
        assertThat(run("serve", "--frobnicate")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--frobnicate'");
        assertThat(run("launch")).isEqualTo(2);
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Usage: ferry");
    }

    @Test
    void helpListsTheServeOptions() {
        assertThat(run("serve", "--help")).isZero();
        assertThat(out.toString()).contains("--listen=HOST:PORT", "--read-only", "--access-rules=FILE", "--size=SIZE", "--transport",
                "--description", "--verbose", "ferry-data/disk.img");
    }
}
