package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code vgreduce VG PV...}: removes physical volumes that hold no extents from a volume group;
 * {@code vgreduce --removemissing [--force] VG} drops the missing ones.
 */
@Command(name = "vgreduce", description = "Remove unused physical volumes from a volume group, or the missing ones "
        + "(--removemissing).")
public final class VgReduceCommand extends LvmCommand {
    @Option(names = "--removemissing", description = "Remove the missing PVs (refused while an LV uses them).")
    boolean removeMissing;

    @Option(names = {"-f", "--force"}, description = "With --removemissing: drop the mirror copies on missing PVs "
            + "and remove LVs left without a copy.")
    boolean force;

    @Parameters(index = "0", paramLabel = "VG", description = "Volume group name.")
    String vg;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "PV", description = "Physical volume paths.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        if (removeMissing == (pvs != null && !pvs.isEmpty())) {
            throw new ParameterException(spec.commandLine(), "Give either PVs or --removemissing.");
        }
        if (removeMissing) {
            var answer = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/reduce").toString(),
                Map.of("remove_missing", true, "force", force));
            report(answer, "Wrote out consistent volume group " + vg + " without its missing PVs.");
            return ExitCodes.OK;
        }
        List<String> paths = absolutePvArgs(pvs);
        var answer = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/reduce").toString(),
            Map.of("pvs", paths));
        if (json()) {
            printJson(answer);
        } else {
            paths.forEach(p -> message("Removed \"" + p + "\" from volume group \"" + vg + "\""));
        }
        return ExitCodes.OK;
    }
}
