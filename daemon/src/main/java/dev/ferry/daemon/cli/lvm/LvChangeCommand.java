package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.cli.client.Targets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code lvchange -a y|n [-f] [--activationmode M] VG/LV...}: activates logical volumes (mapped device and export)
 * or deactivates them; deactivating one with attached clients needs {@code -f}; {@code lvchange --mwc MODE VG/LV...}
 * switches mirrors' write consistency and {@code --maxrecoveryrate RATE} limits their resync. Silent on success.
 */
@Command(name = "lvchange", description = "Activate (-ay) or deactivate (-an) logical volumes, or switch a mirror's "
        + "write consistency (--mwc).")
public final class LvChangeCommand extends LvmCommand {
    @Option(names = {"-a", "--activate"}, paramLabel = "y|n", description = "y: activate; n: deactivate.")
    String activate;

    @Option(names = "--maxrecoveryrate", paramLabel = "RATE", description = "Mirror: most bytes per second its "
        + "resync copies, default unit KiB (k, m, g suffixes; 0: no limit).")
    String maxRecoveryRate;

    @Option(names = "--mwc", paramLabel = "MODE", description = "Mirror write consistency: active (a region log "
        + "LV; the switch copies every region once), passive or off.")
    String mwc;

    @Option(names = "--activationmode", paramLabel = "MODE", description = "With PVs missing: complete (nothing on a "
        + "missing PV), degraded (default: also mirrors with a good copy of every extent) or partial (everything; "
        + "extents without a copy fail).")
    String activationMode;

    @Option(names = {"-f", "--force"}, description = "Deactivate even while clients are attached.")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "VG/LV", description = "Logical volumes.")
    List<String> lvs;

    @Override
    protected int run(ControlClient client) {
        long given = Stream.of(activate, mwc, maxRecoveryRate).filter(o -> o != null).count();
        if (given != 1) {
            throw new ParameterException(spec.commandLine(),
                "Give exactly one of -a y|n, --mwc MODE and --maxrecoveryrate RATE.");
        }
        if (activate == null) {
            Map<String, Object> body = mwc != null ? Map.of("mwc", mwc) : Map.of("max_recovery_rate", maxRecoveryRate);
            return each(lvs, arg -> {
                String[] name = vgLv(arg);
                var answer = client.call("POST", Targets.path("/v1/vgs").segment(name[0]).literal("/lvs")
                    .segment(name[1]).literal("/convert").toString(), body);
                if (json()) {
                    printJson(answer);
                }
            });
        }
        boolean on = switch (activate) {
            case "y" -> true;
            case "n" -> false;
            default -> throw new ParameterException(spec.commandLine(),
                "--activate must be y or n, got '" + activate + "'");
        };
        return each(lvs, arg -> {
            String[] name = vgLv(arg);
            Targets target = Targets.path("/v1/vgs").segment(name[0]).literal("/lvs").segment(name[1]);
            Targets call = on ? target.literal("/activate") : target.literal("/deactivate").flag("force", force);
            if (on && activationMode != null) {
                call = call.param("activationmode", activationMode);
            }
            var answer = client.call("POST", call.toString(), null);
            if (json()) {
                printJson(answer);
            }
        });
    }
}
