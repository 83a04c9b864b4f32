package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pvremove PV...}: wipes the label of physical volumes that belong to no volume group. */
@Command(name = "pvremove", description = "Wipe the label of physical volumes that are in no volume group.")
public final class PvRemoveCommand extends LvmCommand {
    @Parameters(arity = "1..*", paramLabel = "PV", description = "Physical volume paths.")
    List<String> pvs;

    @Override
    protected int run(ControlClient client) {
        return each(pvs, pv -> {
            var answer = client.call("DELETE", Targets.path("/v1/pvs").param("path", absolute(pv)).toString(), null);
            report(answer, "Labels on physical volume \"" + answer.path("pv_name").asText() + "\" successfully wiped.");
        });
    }
}
