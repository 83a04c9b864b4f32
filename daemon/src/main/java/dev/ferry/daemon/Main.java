package dev.ferry.daemon;

import dev.ferry.daemon.cli.CliCommands;
import dev.ferry.daemon.cli.FerryCommand;
import dev.ferry.daemon.command.CommandFailure;
import dev.ferry.daemon.process.DaemonCommand;
import dev.ferry.daemon.wiring.FerryServices;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/** The {@code ferry} process entry point: parses the command line and exits with the command's status. */
public final class Main {

    /**
     * This class's logger, looked up when first needed: a command that never logs (every thin-client command) then
     * never starts the logging framework, which is a good part of a CLI command's start-up time.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(Main.class);
    }

    private Main() {
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status (0 success, 1 failure at run time, 2 bad usage). */
    public static int run(String... args) {
        return commandLine(args).execute(args);
    }

    /** The configured {@code ferry} command line, with every subcommand. */
    public static CommandLine commandLine() {
        CommandLine cli = CliCommands.register(new CommandLine(new FerryCommand()));
        cli.addSubcommand("daemon", new CommandLine(new DaemonCommand(FerryServices.factory())));
        return configure(cli);
    }

    /**
     * The command line for {@code args}: when they start with the name of a volume command ({@code ferry vgs ...}),
     * {@code ferry} with only that one (a thin client's start-up then builds one command's model, not forty);
     * otherwise {@link #commandLine()}.
     */
    static CommandLine commandLine(String... args) {
        if (args.length > 0) {
            for (Class<?> command : CliCommands.VOLUME_COMMANDS) {
                if (command.getAnnotation(Command.class).name().equals(args[0])) {
                    return configure(new CommandLine(new FerryCommand()).addSubcommand(command));
                }
            }
        }
        return commandLine();
    }

    private static CommandLine configure(CommandLine cli) {
        addHelpOptions(cli);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler(Main::badUsage);
        cli.setExecutionExceptionHandler((e, command, parsed) -> failed(e, command));
        return cli;
    }

    /** Gives every subcommand, at any depth, {@code -h}/{@code --help} unless it has a help option already. */
    private static void addHelpOptions(CommandLine command) {
        for (CommandLine sub : command.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.options().stream().noneMatch(OptionSpec::usageHelp) && spec.findOption("--help") == null) {
                spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help message and exit.").build());
            }
            addHelpOptions(sub);
        }
    }

    private static int badUsage(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        String path = command.getCommandSpec().qualifiedName();
        err.println(path + ": " + e.getMessage());
        err.println("Try '" + path + " --help' for more information.");
        err.flush();
        return CommandFailure.USAGE;
    }

    private static int failed(Exception e, CommandLine command) {
        PrintWriter err = command.getErr();
        String path = command.getCommandSpec().qualifiedName();
        if (e instanceof CommandFailure failure) {
            log().debug("{} failed", path, failure);
            err.println(path + ": " + failure.getMessage());
            err.flush();
            return failure.exitCode();
        }
        log().error("{} failed unexpectedly", path, e);
        err.println(path + ": internal error: " + e);
        err.flush();
        return CommandFailure.RUNTIME;
    }
}
