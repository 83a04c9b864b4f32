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

/** {@code lvrename [-f] VG OLD NEW} or {@code lvrename [-f] VG/OLD VG/NEW}: renames a logical volume. */
@Command(name = "lvrename", description = "Rename a logical volume: lvrename VG OLD NEW, or lvrename VG/OLD VG/NEW.")
public final class LvRenameCommand extends LvmCommand {
    @Option(names = {"-f", "--force"}, description = "Rename even while clients are attached (they keep their device).")
    boolean force;

    @Parameters(arity = "2..3", paramLabel = "ARG", description = "VG OLD NEW, or VG/OLD VG/NEW (or VG/OLD NEW).")
    List<String> args;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        String vg;
        String oldName;
        String newName;
        if (args.size() == 3) {
            vg = args.get(0);
            oldName = args.get(1);
            newName = args.get(2);
        } else {
            String[] from = vgLv(args.get(0));
            vg = from[0];
            oldName = from[1];
            newName = args.get(1);
            if (newName.contains("/")) {
                String[] to = vgLv(newName);
                if (!to[0].equals(vg)) {
                    throw new ParameterException(spec.commandLine(), "Logical volume names must have the same volume "
                        + "group (\"" + vg + "\" or \"" + to[0] + "\").");
                }
                newName = to[1];
            }
        }
        var answer = client.call("POST", Targets.path("/v1/vgs").segment(vg).literal("/lvs").segment(oldName)
            .literal("/rename").toString(), Map.of("name", newName, "force", force));
        report(answer, "Renamed \"" + oldName + "\" to \"" + newName + "\" in volume group \"" + vg + "\"");
        return ExitCodes.OK;
    }
}
