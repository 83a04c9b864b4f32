package dev.ferry.daemon.pvmove.process;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension for tests that move across two hosts: it owns their daemons (as {@link ChildProcesses} does) and
 * closes every {@link RemoteDestination} a test opened through it after the test, before the daemons are checked.
 */
final class TwoHosts extends ChildProcesses<FerryDaemon> {

    private final List<RemoteDestination> opened = new ArrayList<>();

    /** Opens the two hosts as {@link RemoteDestination#open(Path, ChildProcesses, long, String, Duration)} does. */
    RemoteDestination open(Path dir, long diskBytes, String link, Duration readDelay) throws IOException {
        RemoteDestination hosts = RemoteDestination.open(dir, this, diskBytes, link, readDelay);
        opened.add(hosts);
        return hosts;
    }

    /** Opens the two hosts as {@link RemoteDestination#openSerial} does. */
    RemoteDestination openSerial(Path dir, long diskBytes, String link) throws IOException {
        RemoteDestination hosts = RemoteDestination.openSerial(dir, this, diskBytes, link);
        opened.add(hosts);
        return hosts;
    }

    /** The two hosts, the remote PV's URI with the query {@code link}, reads answered at once. */
    RemoteDestination open(Path dir, long diskBytes, String link) throws IOException {
        return open(dir, diskBytes, link, Duration.ZERO);
    }

    /** The two hosts with the remote PV's default link settings. */
    RemoteDestination open(Path dir, long diskBytes) throws IOException {
        return open(dir, diskBytes, "");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            opened.forEach(RemoteDestination::close);
        } finally {
            opened.clear();
            super.afterEach(context);
        }
    }
}
