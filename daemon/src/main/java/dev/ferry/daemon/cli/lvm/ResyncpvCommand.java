package dev.ferry.daemon.cli.lvm;

import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code resyncpv [-f] VG PV}: resyncs every logical extent with a copy on PV, all of its copies. */
@Command(name = "resyncpv", description = "Resync the mirrored logical extents with a copy on a physical volume.")
public final class ResyncpvCommand extends ResyncCommand {
    @Parameters(index = "0", paramLabel = "VG", description = "Volume group.")
    String vg;

    @Parameters(index = "1", paramLabel = "PV", description = "Physical volume.")
    String pv;

    @Override
    protected int run(ControlClient client) throws ControlCallException {
        return resync(client, vg, Map.of("pv", absolute(pv)));
    }
}
