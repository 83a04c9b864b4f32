package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code resynclv [-f] VG/LV}: resyncs every logical extent of a mirrored LV. */
@Command(name = "resynclv", description = "Resync the copies of a mirrored logical volume.")
public final class ResynclvCommand extends ResyncCommand {
    @Parameters(index = "0", paramLabel = "VG/LV", description = "Mirrored logical volume.")
    String lv;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        String[] name = vgLv(lv);
        return resync(client, name[0], Map.of("lv", name[1]));
    }
}
