package dev.ferry.daemon.cli;

import dev.ferry.daemon.command.CommandFailure;
import dev.ferry.daemon.command.LoggingOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** The top-level {@code ferry} command; it only dispatches to its subcommands ({@link CliCommands} registers them). */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = FerryVersion.class,
        description = "Userspace volume manager exported over NBD.")
public final class FerryCommand implements Callable<Integer> {

    @Mixin
    LoggingOptions logging;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandFailure.USAGE;
    }
}
