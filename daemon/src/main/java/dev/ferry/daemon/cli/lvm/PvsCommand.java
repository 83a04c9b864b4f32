package dev.ferry.daemon.cli.lvm;

import picocli.CommandLine.Command;

/** {@code pvs}: reports physical volumes. */
@Command(name = "pvs", description = "Report physical volumes.")
public final class PvsCommand extends ReportCommand {
    @Override
    protected String kind() {
        return "pvs";
    }

    @Override
    protected String name(String arg) {
        return absolute(arg);
    }
}
