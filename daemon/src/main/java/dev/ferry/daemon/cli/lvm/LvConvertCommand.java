package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code lvconvert -m N [--mirrorlog disk|core] [--alloc P] VG/LV [PV...]}, {@code lvconvert --mirrorlog
 * core|disk|mirrored [--alloc P] VG/LV} and {@code lvconvert --repair VG/LV [PV...]}: adds or removes copies of a
 * live LV, changes its region log, or replaces the legs (and log copies) it lost with a PV.
 */
@Command(name = "lvconvert", description = "Change the number of copies of a logical volume while it is in use "
        + "(lvconvert -m N VG/LV [PV...]), its mirror log (lvconvert --mirrorlog core|disk|mirrored VG/LV), or "
        + "replace the legs of a mirror on missing PVs (lvconvert --repair).")
public final class LvConvertCommand extends LvmCommand {
    @Option(names = {"-m", "--mirrors"}, paramLabel = "N", description = "Extra copies: 0, 1 or 2.")
    Integer mirrors;

    @Option(names = "--repair", description = "Replace the legs on missing PVs by new ones and resync them.")
    boolean repair;

    @Option(names = "--mirrorlog", paramLabel = "TYPE", description = "With -m, for a linear LV becoming a mirror: "
            + "disk (default) or core; alone, the mirror's new log: core, disk or mirrored.")
    String mirrorLog;

    @Option(names = "--alloc", paramLabel = "POLICY", description = "contiguous, cling, normal, anywhere or inherit.")
    String alloc;

    @Parameters(index = "0", paramLabel = "VG/LV", description = "The logical volume.")
    String lv;

    @Parameters(index = "1..*", paramLabel = "PV", description = "PVs for new copies; with fewer copies, the PVs "
            + "whose copies go first.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        if (repair ? mirrors != null || mirrorLog != null : mirrors == null && mirrorLog == null) {
            throw new ParameterException(spec.commandLine(), "Give exactly one of -m N (with or without --mirrorlog), "
                    + "--mirrorlog TYPE and --repair.");
        }
        String[] vgLv = vgLv(lv);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mirrors", mirrors);
        body.put("repair", repair ? Boolean.TRUE : null);
        body.put("mirror_log", mirrorLog);
        body.put("alloc", alloc);
        body.put("pvs", absolutePvArgs(pvs));
        var answer = client.call("POST", Targets.path("/v1/vgs").segment(vgLv[0]).literal("/lvs").segment(vgLv[1])
                .literal("/convert").toString(), body);
        report(answer, "Logical volume " + lv + " converted: " + answer.path("lv_copies").asInt() + " copies"
                + (answer.path("lv_stale_extents").asLong() > 0 ? "; " + answer.path("lv_stale_extents").asLong()
                + " stale extents resync in the background (Cpy%Sync in lvs)" : "") + ".");
        return ExitCodes.OK;
    }
}
