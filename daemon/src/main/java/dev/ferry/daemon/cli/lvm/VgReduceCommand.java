package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vgreduce VG PV...}: removes physical volumes that hold no extents from a volume group. */
@Command(name = "vgreduce", description = "Remove unused physical volumes from a volume group.")
public final class VgReduceCommand extends LvmCommand {
    @Parameters(index = "0", paramLabel = "VG", description = "Volume group name.")
    String vg;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PV", description = "Physical volume paths.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        List<String> paths = absolutePvArgs(pvs);
        var answer = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/reduce").toString(),
            Map.of("pvs", paths));
        if (json()) {
            printJson(answer);
        } else {
            paths.forEach(p -> out().println("Removed \"" + p + "\" from volume group \"" + vg + "\""));
        }
        return ExitCodes.OK;
    }
}
