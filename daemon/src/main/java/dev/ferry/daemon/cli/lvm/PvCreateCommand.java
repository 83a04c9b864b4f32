package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pvcreate [-f] [--size SIZE] PV...}: labels files or block devices as physical volumes. */
@Command(name = "pvcreate", description = "Initialize files or block devices as physical volumes; "
    + "a missing file is created sparse with --size.")
public final class PvCreateCommand extends LvmCommand {
    @Option(names = {"-f", "--force"}, description = "Label the device even if its first MiB holds a signature (a file system, "
            + "partition table, swap, LVM2 or an existing PV label of no volume group) or other data, another process "
            + "holds it open, or --size would grow an existing file.")
    boolean force;

    @Option(names = "--size", paramLabel = "SIZE", description = "Size of a file to create (default unit m), e.g. 1g.")
    String size;

    @Parameters(arity = "1..*", paramLabel = "PV", description = "File or block device paths.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) {
        return each(pvs, pv -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("path", absolute(pv));
            body.put("size", size);
            body.put("force", force);
            var answer = client.call("POST", "/v1/pvs", body);
            report(answer, "Physical volume \"" + answer.path("pv_name").asText() + "\" successfully created.");
        });
    }
}
