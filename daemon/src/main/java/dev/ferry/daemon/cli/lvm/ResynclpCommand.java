package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code resynclp [-f] VG/LV LE}: resyncs the copies of one logical extent. */
@Command(name = "resynclp", description = "Resync the copies of one logical extent of a mirrored logical volume.")
public final class ResynclpCommand extends ResyncCommand {
    @Parameters(index = "0", paramLabel = "VG/LV", description = "Mirrored logical volume.")
    String lv;

    @Parameters(index = "1", paramLabel = "LE", description = "Logical extent number.")
    long le;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        String[] name = vgLv(lv);
        return resync(client, name[0], Map.of("lv", name[1], "le", le));
    }
}
