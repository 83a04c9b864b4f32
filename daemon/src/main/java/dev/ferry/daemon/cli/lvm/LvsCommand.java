package dev.ferry.daemon.cli.lvm;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lvs [--segments]}: reports logical volumes, or one row per segment. */
@Command(name = "lvs", description = "Report logical volumes (names: VG or VG/LV).")
public final class LvsCommand extends ReportCommand {
    @Option(names = "--segments", description = "One row per segment.")
    boolean segments;

    @Override
    protected String kind() {
        return "lvs";
    }

    @Override
    protected boolean segments() {
        return segments;
    }
}
