package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vgextend VG PV...}: adds orphan physical volumes to a volume group; {@code vgextend --restoremissing VG PV...}
 * puts missing members that are back into use again, one call per PV.
 */
@Command(name = "vgextend", description = "Add physical volumes to a volume group, or put missing ones that are back "
        + "into use again (--restoremissing).")
public final class VgExtendCommand extends LvmCommand {
    @Option(names = "--restoremissing", description = "Put the given PVs, members recorded missing that are back, into "
            + "use again (their data is not touched; stale mirror copies on them resync).")
    boolean restoreMissing;

    @Parameters(index = "0", paramLabel = "VG", description = "Volume group name.")
    String vg;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PV", description = "Physical volume paths.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        String target = Targets.path("/v1/vgs").segment(vg).literal("/extend").toString();
        if (restoreMissing) {
            return each(absolutePvArgs(pvs), pv -> report(client.call("POST", target,
                    Map.of("pvs", List.of(pv), "restore_missing", true)),
                    "Physical volume \"" + pv + "\" of volume group \"" + vg + "\" restored"));
        }
        var answer = client.call("POST", target, Map.of("pvs", absolutePvArgs(pvs)));
        report(answer, "Volume group \"" + vg + "\" successfully extended");
        return ExitCodes.OK;
    }
}
