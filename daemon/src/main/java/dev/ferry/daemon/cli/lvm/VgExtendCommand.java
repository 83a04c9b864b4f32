package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vgextend VG PV...}: adds orphan physical volumes to a volume group. */
@Command(name = "vgextend", description = "Add physical volumes to a volume group.")
public final class VgExtendCommand extends LvmCommand {
    @Parameters(index = "0", paramLabel = "VG", description = "Volume group name.")
    String vg;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PV", description = "Physical volume paths.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        var answer = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/extend").toString(),
            Map.of("pvs", absolutePvArgs(pvs)));
        report(answer, "Volume group \"" + vg + "\" successfully extended");
        return ExitCodes.OK;
    }
}
