package dev.ferry.daemon.cli.lvm;

import picocli.CommandLine.Command;

/** {@code vgs}: reports volume groups. */
@Command(name = "vgs", description = "Report volume groups.")
public final class VgsCommand extends ReportCommand {
    @Override
    protected String kind() {
        return "vgs";
    }
}
