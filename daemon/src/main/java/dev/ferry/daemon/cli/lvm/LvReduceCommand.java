package dev.ferry.daemon.cli.lvm;

import picocli.CommandLine.Command;

/** {@code lvreduce}: Shrink a logical volume (needs -f). */
@Command(name = "lvreduce", description = "Shrink a logical volume (needs -f).")
public final class LvReduceCommand extends LvResizeBase {
    @Override
    protected String mode() {
        return "reduce";
    }
}
