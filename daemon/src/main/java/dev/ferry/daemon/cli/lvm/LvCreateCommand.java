package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lvcreate -n NAME (-L SIZE | -l EXTENTS) [--type linear|striped|mirror] [-i N] [-I SIZE] [-m 1|2] [--mirrorlog disk|core|mirrored] [--mwc active|passive|off] [--nosync]
 * [--alloc POLICY] [-R SIZE] VG [PV[:PE-range]...]}.
 */
@Command(name = "lvcreate", description = "Create a logical volume in a volume group.")
public final class LvCreateCommand extends LvmCommand {
    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "LV name (default: lvolN).")
    String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    LvSizeOptions size;

    @Option(names = "--type", paramLabel = "TYPE", description = "linear, striped or mirror (default: from -i and -m).")
    String type;

    @Option(names = {"-i", "--stripes"}, paramLabel = "N", description = "Number of stripes.")
    Integer stripes;

    @Option(names = {"-I", "--stripesize"}, paramLabel = "SIZE", description = "Stripe size (default unit k; default 64k).")
    String stripeSize;

    @Option(names = {"-m", "--mirrors"}, paramLabel = "N", description = "Extra copies: 1 or 2.")
    Integer mirrors;

    @Option(names = {"-R", "--regionsize"}, paramLabel = "SIZE", description = "Mirror region size (default unit m; default 2m).")
    String regionSize;

    @Option(names = "--mirrorlog", paramLabel = "TYPE",
            description = "Mirror region log: disk (default: a hidden LV_mlog, only dirty regions resync after a "
                    + "crash), mirrored (LV_mlog itself a 2-way mirror on two more PVs) or core (whole resync after "
                    + "an unclean stop).")
    String mirrorLog;

    @Option(names = "--mwc", paramLabel = "MODE",
            description = "Mirror write consistency (AIX): active (= --mirrorlog disk or mirrored), passive (= core) "
                    + "or off.")
    String mwc;

    @Option(names = "--nosync", description = "Mirror: skip the initial copy (the copies are known alike).")
    boolean nosync;

    @Option(names = "--alloc", paramLabel = "POLICY", description = "contiguous, cling, normal, anywhere or inherit.")
    String alloc;

    @Parameters(index = "0", paramLabel = "VG", description = "Volume group name.")
    String vg;

    @Parameters(index = "1..*", paramLabel = "PV[:PE-range]", description = "Physical volumes to allocate from.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        size.addTo(body);
        body.put("type", type);
        body.put("stripes", stripes);
        body.put("stripe_size", stripeSize);
        body.put("mirrors", mirrors);
        body.put("region_size", regionSize);
        body.put("mirror_log", mirrorLog);
        body.put("mwc", mwc);
        body.put("nosync", nosync ? Boolean.TRUE : null);
        body.put("alloc", alloc);
        body.put("pvs", absolutePvArgs(pvs));
        var answer = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/lvs").toString(), body);
        report(answer, "Logical volume \"" + answer.path("lv_name").asText() + "\" created.");
        return ExitCodes.OK;
    }
}
