package dev.ferry.daemon.cli.lvm;

import picocli.CommandLine.Command;

/** {@code lvresize}: Grow or shrink a logical volume (shrinking needs -f). */
@Command(name = "lvresize", description = "Grow or shrink a logical volume (shrinking needs -f).")
public final class LvResizeCommand extends LvResizeBase {
    @Override
    protected String mode() {
        return "resize";
    }
}
