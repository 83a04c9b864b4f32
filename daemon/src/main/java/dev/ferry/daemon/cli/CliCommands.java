package dev.ferry.daemon.cli;

import dev.ferry.daemon.cli.admin.ShutdownCommand;
import dev.ferry.daemon.cli.admin.VersionCommand;
import dev.ferry.daemon.cli.dm.DmsetupCommand;
import dev.ferry.daemon.cli.lvm.LvChangeCommand;
import dev.ferry.daemon.cli.lvm.LvCreateCommand;
import dev.ferry.daemon.cli.lvm.LvExtendCommand;
import dev.ferry.daemon.cli.lvm.LvReduceCommand;
import dev.ferry.daemon.cli.lvm.LvRemoveCommand;
import dev.ferry.daemon.cli.lvm.LvConvertCommand;
import dev.ferry.daemon.cli.lvm.LvRenameCommand;
import dev.ferry.daemon.cli.lvm.LvResizeCommand;
import dev.ferry.daemon.cli.lvm.BitmapCommand;
import dev.ferry.daemon.cli.lvm.LvsCommand;
import dev.ferry.daemon.cli.lvm.MigrateppCommand;
import dev.ferry.daemon.cli.lvm.PvCreateCommand;
import dev.ferry.daemon.cli.lvm.PvMoveCommand;
import dev.ferry.daemon.cli.lvm.PvRemoveCommand;
import dev.ferry.daemon.cli.lvm.PvsCommand;
import dev.ferry.daemon.cli.lvm.ResynclpCommand;
import dev.ferry.daemon.cli.lvm.ResynclvCommand;
import dev.ferry.daemon.cli.lvm.ResyncpvCommand;
import dev.ferry.daemon.cli.lvm.VgCreateCommand;
import dev.ferry.daemon.cli.lvm.VgExtendCommand;
import dev.ferry.daemon.cli.lvm.VgReduceCommand;
import dev.ferry.daemon.cli.lvm.VgRemoveCommand;
import dev.ferry.daemon.cli.lvm.VgsCommand;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/** The one list of the volume and device-mapper CLI commands that {@code ferry} registers as subcommands. */
public final class CliCommands {
    /** The commands that are not volume commands, first in help order. */
    public static final List<Class<?>> TOP_COMMANDS = List.of(ServeCommand.class, VersionCommand.class,
        ShutdownCommand.class, CommandLine.HelpCommand.class);

    /** The command classes, in help order; {@link DmsetupCommand} brings its own subcommands. */
    public static final List<Class<?>> VOLUME_COMMANDS = List.of(
        PvCreateCommand.class, PvRemoveCommand.class, PvsCommand.class,
        VgCreateCommand.class, VgExtendCommand.class, VgReduceCommand.class, VgRemoveCommand.class, VgsCommand.class,
        LvCreateCommand.class, LvExtendCommand.class, LvReduceCommand.class, LvResizeCommand.class,
        LvRemoveCommand.class, LvRenameCommand.class, LvConvertCommand.class, LvChangeCommand.class,
        LvsCommand.class, BitmapCommand.class, PvMoveCommand.class,
        MigrateppCommand.class, ResyncpvCommand.class, ResynclvCommand.class, ResynclpCommand.class,
        DmsetupCommand.class);

    private CliCommands() {
    }

    /**
     * The volume command called {@code name}, or null. It goes by the class name ({@code VgsCommand} is {@code vgs},
     * as its {@code @Command} says; MainTest checks that every command follows this), so finding one reads no
     * annotations: a thin client's start-up parses only its own command's.
     */
    public static Class<?> volumeCommand(String name) {
        for (Class<?> command : VOLUME_COMMANDS) {
            if (nameOf(command).equals(name)) {
                return command;
            }
        }
        return null;
    }

    /** The command name a command class's simple name gives: {@code PvCreateCommand} is {@code pvcreate}. */
    public static String nameOf(Class<?> command) {
        String simple = command.getSimpleName();
        return simple.substring(0, simple.length() - "Command".length()).toLowerCase(Locale.ROOT);
    }

    /** Adds every command of {@link #TOP_COMMANDS} and {@link #VOLUME_COMMANDS} to {@code ferry}; returns it. */
    public static CommandLine register(CommandLine ferry) {
        for (Class<?> command : TOP_COMMANDS) {
            ferry.addSubcommand(command);
        }
        for (Class<?> command : VOLUME_COMMANDS) {
            ferry.addSubcommand(command);
        }
        return ferry;
    }
}
