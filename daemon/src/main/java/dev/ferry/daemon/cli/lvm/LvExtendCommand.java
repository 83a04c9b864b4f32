package dev.ferry.daemon.cli.lvm;

import picocli.CommandLine.Command;

/** {@code lvextend}: Grow a logical volume. */
@Command(name = "lvextend", description = "Grow a logical volume.")
public final class LvExtendCommand extends LvResizeBase {
    @Override
    protected String mode() {
        return "extend";
    }
}
