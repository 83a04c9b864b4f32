package dev.ferry.daemon.testing;

import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.process.AccessSettings;
import dev.ferry.daemon.process.DaemonConfig;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.wiring.FerryServices;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A daemon inside the test JVM: NBD on a free loopback port, its control socket in its data directory. */
public final class InProcessDaemon {

    private InProcessDaemon() {
    }

    /** The control socket of a daemon whose data directory is {@code data}. */
    public static ControlEndpoint.UnixSocket controlSocket(Path data) {
        return new ControlEndpoint.UnixSocket(data.resolve(DefaultLocations.CONTROL_SOCKET_NAME));
    }

    /** Builds and starts a daemon over {@code data} running {@code services}, allowing paths under data's parent. */
    public static DaemonProcess start(Path data, FerryServices services) throws Exception {
        return start(data, services, List.of(data.getParent()));
    }

    /** Builds and starts a daemon over {@code data} running {@code services}, allowing paths under {@code allowed}. */
    public static DaemonProcess start(Path data, FerryServices services, List<Path> allowed) throws Exception {
        DaemonConfig config = new DaemonConfig(data, new InetSocketAddress("127.0.0.1", 0), controlSocket(data),
                Optional.empty(), Optional.empty(), 2, Duration.ofSeconds(20))
                .withPolicy(new AccessSettings(Optional.empty(), allowed));
        DaemonProcess daemon = DaemonProcess.builder(config).services(services.services()).build();
        daemon.start();
        return daemon;
    }
}
