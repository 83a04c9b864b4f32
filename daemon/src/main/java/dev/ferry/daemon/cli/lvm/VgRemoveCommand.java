package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vgremove [-f] VG...}: removes volume groups; their logical volumes too only with {@code -f}. */
@Command(name = "vgremove", description = "Remove volume groups (with -f also the logical volumes in them).")
public final class VgRemoveCommand extends LvmCommand {
    @Option(names = {"-f", "--force"}, description = "Also remove the logical volumes of the volume group.")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "VG", description = "Volume group names.")
    List<String> vgs;

    @Override
    protected int run(ControlClient client) {
        return each(vgs, vg -> {
            var answer = client.call("DELETE", Targets.path("/v1/vgs").segment(vg).flag("force", force).toString(), null);
            report(answer, "Volume group \"" + vg + "\" successfully removed");
        });
    }
}
