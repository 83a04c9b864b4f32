package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.command.ExitCodes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vgcreate [-s SIZE] VG PV...}: a volume group over orphan physical volumes. */
@Command(name = "vgcreate", description = "Create a volume group over physical volumes that are in no volume group.")
public final class VgCreateCommand extends LvmCommand {
    @Option(names = {"-s", "--physicalextentsize"}, paramLabel = "SIZE",
        description = "Extent size, a power of 2 from 4k to 16g (default unit m; default 4m).")
    String extentSize;

    @Parameters(index = "0", paramLabel = "VG", description = "Name of the new volume group.")
    String vg;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PV", description = "Physical volume paths.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", vg);
        body.put("pvs", absolutePvArgs(pvs));
        body.put("extent_size", extentSize);
        var answer = client.call("POST", "/v1/vgs", body);
        report(answer, "Volume group \"" + answer.path("vg_name").asText() + "\" successfully created");
        return ExitCodes.OK;
    }
}
