package dev.ferry.daemon.cli.dm;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dmsetup}: the device-mapper commands over the daemon's mapped devices; needs a subcommand. */
@Command(name = "dmsetup", description = "Manage the daemon's mapped devices like dmsetup.",
    subcommands = {DmLsCommand.class, DmTableCommand.class, DmStatusCommand.class, DmInfoCommand.class,
        DmCreateCommand.class, DmLoadCommand.class, DmSuspendCommand.class, DmResumeCommand.class,
        DmRemoveCommand.class})
public final class DmsetupCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing dmsetup command: ls, table, status, info, create, "
            + "load, suspend, resume or remove");
    }
}
