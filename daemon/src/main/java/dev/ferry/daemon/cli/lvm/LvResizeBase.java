package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import dev.ferry.daemon.command.ExitCodes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code lvextend|lvreduce|lvresize (-L [+|-]SIZE | -l [+|-]EXTENTS) [-f] [--alloc POLICY] VG/LV [PV...]}.
 * There is no interactive prompt: shrinking (lvreduce, or lvresize with a {@code -} size) needs {@code -f}.
 */
abstract class LvResizeBase extends LvmCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    LvSizeOptions size;

    @Option(names = {"-f", "--force"}, description = "Confirm a shrink, which loses the data beyond the new end, "
        + "even while clients are attached.")
    boolean force;

    @Option(names = "--alloc", paramLabel = "POLICY", description = "contiguous, cling, normal, anywhere or inherit.")
    String alloc;

    @Parameters(index = "0", paramLabel = "VG/LV", description = "The logical volume.")
    String lvPath;

    @Parameters(index = "1..*", paramLabel = "PV[:PE-range]", description = "Physical volumes to allocate from.")
    List<String> pvs;

    /** The resize mode sent to the daemon: extend, reduce or resize. */
    protected abstract String mode();

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        String[] name = vgLv(lvPath);
        if (!force && (mode().equals("reduce") || size.relativeShrink())) {
            throw new ParameterException(spec.commandLine(), "Reducing " + lvPath + " destroys the data beyond its "
                + "new end; there is no prompt, so confirm with -f");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mode", mode());
        size.addTo(body);
        body.put("alloc", alloc);
        body.put("pvs", absolutePvArgs(pvs));
        body.put("force", force);
        var answer = client.call("POST", Targets.path("/v1/vgs").segment(name[0]).literal("/lvs").segment(name[1])
            .literal("/resize").toString(), body);
        if (json()) {
            printJson(answer);
        } else {
            long extentSize = answer.path("vg_extent_size").asLong();
            long before = answer.path("lv_size_before").asLong();
            long after = answer.path("lv_size").asLong();
            message("Size of logical volume " + lvPath + " changed from " + humanSize(before) + " ("
                + before / extentSize + " extents) to " + humanSize(after) + " (" + after / extentSize + " extents).");
            message("Logical volume " + lvPath + " successfully resized.");
        }
        return ExitCodes.OK;
    }
}
