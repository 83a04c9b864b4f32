package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lvremove [-f] VG/LV...}: removes logical volumes; open ones only with {@code -f}. */
@Command(name = "lvremove", description = "Remove logical volumes.")
public final class LvRemoveCommand extends LvmCommand {
    @Option(names = {"-f", "--force"}, description = "Remove even while a client has the volume open.")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "VG/LV", description = "Logical volumes.")
    List<String> lvs;

    @Override
    protected int run(ControlClient client) {
        return each(lvs, arg -> {
            String[] name = vgLv(arg);
            var answer = client.call("DELETE", Targets.path("/v1/vgs").segment(name[0]).literal("/lvs").segment(name[1])
                .flag("force", force).toString(), null);
            report(answer, "Logical volume \"" + name[1] + "\" successfully removed.");
        });
    }
}
