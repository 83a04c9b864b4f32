package dev.ferry.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.cli.CliCommands;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import org.junit.jupiter.api.Test;

/**
 * The command line a volume command starts with holds that one command (a thin client builds one model, not all),
 * and behaves as in the whole tree: the same help text, the same qualified name in messages, the same usage errors.
 */
class MainTest {
    @Test
    void aVolumeCommandGetsATreeWithOnlyItself() {
        CommandLine vgs = Main.commandLine("vgs", "--noheadings");
        assertThat(vgs.getSubcommands()).containsKey("vgs").doesNotContainKeys("lvs", "pvmove", "daemon");
        assertThat(vgs.getSubcommands().get("vgs").getCommandSpec().qualifiedName()).isEqualTo("ferry vgs");
        assertThat(Main.commandLine("help", "vgs").getSubcommands()).containsKeys("vgs", "lvs", "daemon");
        assertThat(Main.commandLine("--version").getSubcommands()).containsKeys("vgs", "daemon");
    }

    @Test
    void everyVolumeCommandIsNamedAfterItsClass() {
        for (Class<?> type : CliCommands.VOLUME_COMMANDS) {
            assertThat(CliCommands.nameOf(type)).isEqualTo(type.getAnnotation(Command.class).name());
            assertThat(CliCommands.volumeCommand(type.getAnnotation(Command.class).name())).isSameAs(type);
        }
        assertThat(CliCommands.volumeCommand("daemon")).isNull();
        assertThat(CliCommands.volumeCommand("help")).isNull();
    }

    @Test
    void everyVolumeCommandHasTheSameHelpAndUsageErrorsAlone() {
        for (Class<?> type : CliCommands.VOLUME_COMMANDS) {
            String name = type.getAnnotation(Command.class).name();
            assertThat(run(Main.commandLine(name, "--help"), name, "--help"))
                    .as(name).isEqualTo(run(Main.commandLine(), name, "--help"));
            assertThat(run(Main.commandLine(name, "--no-such-option"), name, "--no-such-option"))
                    .as(name).isEqualTo(run(Main.commandLine(), name, "--no-such-option"));
        }
    }

    private static String run(CommandLine cli, String... args) {
        StringWriter text = new StringWriter();
        PrintWriter both = new PrintWriter(text);
        cli.setOut(both).setErr(both);
        int exit = cli.execute(args);
        both.flush();
        return exit + "\n" + text;
    }
}
