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
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

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
        Class<?> command = args.length > 0 ? CliCommands.volumeCommand(args[0]) : null;
        return command != null ? configure(new CommandLine(new FerryCommand()).addSubcommand(command)) : commandLine();
    }

    private static CommandLine configure(CommandLine cli) {
        addHelpOptions(cli);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler(Failures.INSTANCE);
        cli.setExecutionExceptionHandler(Failures.INSTANCE);
        return cli;
    }

    /** Gives every subcommand, at any depth, {@code -h}/{@code --help} unless it has a help option already. */
    private static void addHelpOptions(CommandLine command) {
        for (CommandLine sub : command.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (!hasUsageHelp(spec) && spec.findOption("--help") == null) {
                spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help message and exit.").build());
            }
            addHelpOptions(sub);
        }
    }

    private static boolean hasUsageHelp(CommandSpec spec) {
        for (OptionSpec option : spec.options()) {
            if (option.usageHelp()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The handlers of bad usage and of failed commands. A class, not lambdas: a lambda typed by a picocli interface
     * makes the class-data sharing dump link picocli's Java 5 classes, which then stay out of the archive
     * (scripts/ferry builds one for the thin-client commands).
     */
    private static final class Failures implements IParameterExceptionHandler, IExecutionExceptionHandler {
        static final Failures INSTANCE = new Failures();

        @Override
        public int handleParseException(ParameterException e, String[] args) {
            return badUsage(e);
        }

        @Override
        public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
            return failed(e, command);
        }
    }

    private static int badUsage(ParameterException e) {
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
